"""Send throughput: the ledger with 2 worker processes against a bare smtplib loop."""

from __future__ import annotations

import argparse
import smtplib
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.harness import HTML, SUBJECT, TEXT, Stack, recipients, setup_django


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="send-bench-"))
    stack = Stack(workdir, lease=120, time_limit=60)
    stack.apply_env()
    try:
        stack.start_redis()
        stack.start_sink()
        setup_django()
        return run(stack, args)
    finally:
        stack.stop()


def run(stack: Stack, args) -> int:
    """ROUNDS rounds of (bare loop, ledger), each over fresh messages.

    Taking turns makes each ratio compare rates measured moments apart on a
    machine whose speed drifts; the medians are printed with every round.
    """
    from django.conf import settings

    from campaign.celery import app

    stack.start_worker("bench", concurrency=args.processes)
    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=0.5) and time.monotonic() < deadline:
        pass

    bare_rates, ledger_rates, all_sent = [], [], True
    for number in range(1, args.rounds + 1):
        bare, ledger, sent = one_round(args)
        bare_rates.append(bare)
        ledger_rates.append(ledger)
        all_sent = all_sent and sent
        print(
            f"round {number}: bare {bare:.0f} msg/s, ledger {ledger:.0f} msg/s, "
            f"ratio {ledger / bare:.2f}",
            flush=True,
        )
    bare, ledger = statistics.median(bare_rates), statistics.median(ledger_rates)
    ratios = sorted(b / a for a, b in zip(bare_rates, ledger_rates, strict=True))
    print(
        f"messages={args.messages} per round, rounds={args.rounds} "
        f"worker_processes={args.processes} "
        f"database={settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}"
    )
    print(f"bare smtplib loop, one connection: {bare:.0f} msg/s (median)")
    print(
        f"ledger end to end (claim, render, SMTP, mark): {ledger:.0f} msg/s "
        "(median, publishing included)"
    )
    print(
        f"ratio={statistics.median(ratios):.2f} (median of "
        f"{'/'.join(f'{r:.2f}' for r in ratios)}; target >= 0.25)",
        flush=True,
    )
    return 0 if all_sent else 1


def one_round(args) -> tuple[float, float, bool]:
    from django.conf import settings

    from letters import delivery
    from letters.ledger import Delivery, Mailing
    from letters.rendering import render_delivery

    mailing = delivery.launch_mailing(
        name="Throughput benchmark",
        recipients=recipients(args.messages),
        subject_template=SUBJECT,
        text_template=TEXT,
        html_template=HTML,
    )
    # Held back while the bare loop runs.
    delivery.set_mailing_status(mailing=mailing, status=Mailing.Status.PAUSED)
    rows = list(
        Delivery.objects.filter(mailing=mailing).select_related("mailing", "state")
    )

    # The same messages, rendered in advance, sent over one connection.
    prepared = [
        (
            row.to_email,
            delivery.build_message(row, render_delivery(row))
            .message()
            .as_bytes(linesep="\r\n"),
        )
        for row in rows
    ]
    smtp = smtplib.SMTP(settings.EMAIL_HOST, settings.EMAIL_PORT)
    started = time.perf_counter()
    for to, data in prepared:
        smtp.sendmail(settings.DEFAULT_FROM_EMAIL, [to], data)
    bare_s = time.perf_counter() - started
    smtp.quit()

    started = time.perf_counter()
    # Resuming publishes the hints, as it does for staff.
    delivery.set_mailing_status(mailing=mailing, status=Mailing.Status.RUNNING)
    pending = Delivery.objects.filter(mailing=mailing).pending()
    while pending.exists():
        time.sleep(0.02)
    ledger_s = time.perf_counter() - started
    sent = Delivery.objects.filter(mailing=mailing, status="sent").count()
    return len(prepared) / bare_s, sent / ledger_s, sent == len(rows)


if __name__ == "__main__":
    sys.exit(main())
