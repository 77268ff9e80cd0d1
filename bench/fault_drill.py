"""Fault drill: 2,000+ messages through real workers, Redis and SMTP under faults."""

from __future__ import annotations

import argparse
import collections
import os
import random
import signal
import sys
import tempfile
import time
from pathlib import Path

from bench.harness import HTML, SUBJECT, TEXT, Stack, recipients, setup_django

LEASE = 12
TIME_LIMIT = 8


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=6)
    parser.add_argument("--refuse", type=float, default=0.10)
    parser.add_argument("--rate", type=int, default=60, help="messages/s, all workers")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="fault-drill-"))
    stack = Stack(
        workdir,
        lease=LEASE,
        time_limit=TIME_LIMIT,
        extra_env={
            "EMAIL_RETRY_BASE_SECONDS": "0.5",
            "EMAIL_RETRY_MAX_SECONDS": "5",
            "EMAIL_COUNTDOWN_MAX_SECONDS": "10",
            "EMAIL_SWEEP_GRACE_SECONDS": "5",
            "EMAIL_MAX_ATTEMPTS": "25",
            "EMAIL_RATE_PER_SECOND": str(args.rate),
        },
    )
    stack.apply_env()
    sink_log = workdir / "smtp.log"
    try:
        stack.start_redis()
        stack.start_sink(refuse=args.refuse, log=sink_log)
        setup_django()
        return run(stack, args, sink_log)
    finally:
        stack.stop()
        print(f"work files: {workdir}", file=sys.stderr)


def run(stack: Stack, args, sink_log: Path) -> int:
    from letters import delivery
    from letters.ledger import Delivery, DeliveryStatus, Mailing

    names = ["drill-a", "drill-b"]
    for name in names:
        stack.start_worker(name, concurrency=2)
    time.sleep(3)  # let the workers connect before the first kill lands

    started = time.monotonic()
    mailing = delivery.launch_mailing(
        name=f"Fault drill {time.strftime('%Y-%m-%d %H:%M:%S')}",
        kind=Mailing.Kind.OTHER,
        recipients=recipients(args.messages),
        subject_template=SUBJECT,
        text_template=TEXT,
        html_template=HTML,
    )
    rows = Delivery.objects.filter(mailing=mailing)
    chooser = random.Random(188)
    kills = collections.Counter()
    redis_restarts = 0
    next_fault = started + 2.0
    last_sweep = 0.0
    drained_at = None
    faults_done = False
    while time.monotonic() - started < args.timeout:
        now = time.monotonic()
        if not faults_done and now >= next_fault:
            total = sum(kills.values())
            if total == 2 and not redis_restarts:
                pause = stack.restart_redis()
                redis_restarts += 1
                print(f"restarted redis ({pause:.1f} s down)", file=sys.stderr)
            name = chooser.choice(names)
            children = stack.pool_children(name)
            if children and total % 2 == 0:
                # A pool process dies mid-task; the worker's main process lives on.
                os.kill(chooser.choice(children), signal.SIGKILL)
                kills["pool process"] += 1
            else:
                stack.kill_worker(name)
                stack.start_worker(name, concurrency=2)
                kills["whole worker"] += 1
            next_fault = now + chooser.uniform(1.5, 3.0)
            faults_done = sum(kills.values()) >= args.kills
        if now - last_sweep >= 2.0:
            # What beat does every 30 s in production, more often here.
            try:
                delivery.sweep_deliveries()
            except Exception as exc:  # the broker may be restarting
                print(f"sweep skipped: {exc}", file=sys.stderr)
            last_sweep = now
        if faults_done and not rows.pending().exists():
            drained_at = time.monotonic()
            break
        time.sleep(0.25)

    drain_s = (drained_at or time.monotonic()) - started
    accepted = collections.Counter()
    refused = 0
    for line in sink_log.read_bytes().splitlines():
        if line.startswith(b"A "):
            accepted[line.split()[1].decode()] += 1
        elif line.startswith(b"R"):
            refused += 1
    by_id = {row.message_id: row for row in rows}
    statuses = collections.Counter(row.status for row in by_id.values())
    dead = statuses[DeliveryStatus.DEAD]
    lost = sum(
        1
        for mid, row in by_id.items()
        if row.status != DeliveryStatus.DEAD and accepted[mid] == 0
    )
    duplicates = sum(accepted[mid] - 1 for mid in by_id if accepted[mid] > 1)
    after_crash = sum(
        accepted[mid] - 1
        for mid, row in by_id.items()
        if accepted[mid] > 1 and row.crash_count > 0
    )
    interrupted = duplicates - after_crash
    pending = statuses[DeliveryStatus.QUEUED] + statuses[DeliveryStatus.SENDING]
    attempts = sum(accepted.values()) + refused
    print(
        f"messages={len(by_id)} kills={sum(kills.values())} ({dict(kills)}) "
        f"redis_restarts={redis_restarts} refused={refused}/{attempts} attempts "
        f"statuses={dict(statuses)} "
        f"duplicates_between_acceptance_and_update={duplicates} "
        f"(after a worker was killed: {after_crash}; after a send was "
        f"interrupted by an error: {interrupted})",
    )
    print(
        f"sent={statuses[DeliveryStatus.SENT]} lost={lost} duplicates={duplicates} "
        f"dead={dead} drain_s={round(drain_s)}",
        flush=True,
    )
    ok = (
        lost == 0
        and pending == 0
        and sum(kills.values()) >= 5
        and redis_restarts == 1
        and len(by_id) >= 2000
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
