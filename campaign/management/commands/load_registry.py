"""Create or update the 193 member states, the 2 observer states, blocs and missions."""

from django.core.management.base import BaseCommand

from campaign.services import load_registry


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        report = load_registry()
        self.stdout.write(
            f"Member-state registry: {report.created} created, {report.updated} "
            f"updated, {report.unchanged} unchanged."
        )
