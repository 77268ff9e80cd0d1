"""Send throughput: the ledger with 2 worker processes against a bare smtplib loop."""

from __future__ import annotations

import argparse
import smtplib
import sys
import tempfile
import time
from pathlib import Path

from bench.harness import HTML, SUBJECT, TEXT, Stack, recipients, setup_django


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--processes", type=int, default=2)
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
    # Held back until the workers are up, so their start-up is not timed.
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

    stack.start_worker("bench", concurrency=args.processes)
    from campaign.celery import app

    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=0.5) and time.monotonic() < deadline:
        pass

    started = time.perf_counter()
    # Resuming publishes the hints, as it does for staff.
    delivery.set_mailing_status(mailing=mailing, status=Mailing.Status.RUNNING)
    pending = Delivery.objects.filter(mailing=mailing).pending()
    while pending.exists():
        time.sleep(0.02)
    ledger_s = time.perf_counter() - started
    sent = Delivery.objects.filter(mailing=mailing, status="sent").count()

    bare = len(prepared) / bare_s
    ledger = sent / ledger_s
    print(
        f"messages={len(rows)} sent={sent} worker_processes={args.processes} "
        f"database={settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}"
    )
    print(f"bare smtplib loop, one connection: {bare:.0f} msg/s ({bare_s:.2f} s)")
    print(
        f"ledger end to end (claim, render, SMTP, mark): {ledger:.0f} msg/s "
        f"({ledger_s:.2f} s, publishing included)"
    )
    print(f"ratio={ledger / bare:.2f} (target >= 0.25)", flush=True)
    return 0 if sent == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
