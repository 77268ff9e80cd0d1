"""Mail on the ledger from the command line: counts, stuck and dead rows, replay."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from letters import delivery
from letters.ledger import Delivery, DeliveryStatus, Mailing


class Command(BaseCommand):
    help = (
        "Counts of deliveries by status for running mailings and the broker's "
        "email queue; --stuck or --dead list rows; --replay-dead queues dead rows "
        "again."
    )

    def add_arguments(self, parser):
        what = parser.add_mutually_exclusive_group()
        what.add_argument(
            "--stuck",
            action="store_true",
            help="pending rows nothing has moved for --minutes",
        )
        what.add_argument("--dead", action="store_true", help="dead rows")
        what.add_argument(
            "--replay-dead", action="store_true", help="queue dead rows again"
        )
        parser.add_argument("--minutes", type=int, default=10)
        parser.add_argument("--mailing", type=int, help="only this mailing's rows")
        parser.add_argument("--limit", type=int, default=100)

    def handle(self, *args, **options):
        rows = Delivery.objects.select_related("mailing")
        if options["mailing"]:
            if not Mailing.objects.filter(pk=options["mailing"]).exists():
                raise CommandError(f"No mailing has the id {options['mailing']}.")
            rows = rows.filter(mailing_id=options["mailing"])
        if options["replay_dead"]:
            ids = delivery.replay_dead(deliveries=rows)
            self.stdout.write(f"Queued {len(ids)} dead deliveries again.")
        elif options["stuck"]:
            age = timedelta(minutes=options["minutes"])
            self._list(rows.stuck(timezone.now(), older_than=age), options["limit"])
        elif options["dead"]:
            self._list(rows.filter(status=DeliveryStatus.DEAD), options["limit"])
        else:
            self._summary(rows)

    def _list(self, rows, limit: int) -> None:
        total = rows.count()
        for row in rows.order_by("updated_at", "pk")[:limit]:
            self.stdout.write(
                f"{row.pk}\tmailing {row.mailing_id}\t{row.to_email}\t{row.status}"
                f"\tattempts {row.attempts}\tcrashes {row.crash_count}"
                f"\tupdated {row.updated_at:%Y-%m-%d %H:%M:%S}\t{row.last_error[:80]}"
            )
        shown = min(total, limit)
        self.stdout.write(
            f"{total} rows" + (f" ({shown} shown)" if total > limit else "")
        )

    def _summary(self, rows) -> None:
        running = Mailing.objects.filter(status=Mailing.Status.RUNNING)
        for mailing in running.order_by("launched_at"):
            counts = rows.filter(mailing=mailing).counts_by_status()
            found = ", ".join(f"{k} {v}" for k, v in counts.items() if v)
            self.stdout.write(f"{mailing.pk}\t{mailing.name}\t{found or 'empty'}")
        depth = delivery.email_queue_depth()
        self.stdout.write(
            f"{running.count()} running mailings; broker email queue: "
            + ("unknown (broker unreachable)" if depth is None else str(depth))
        )
