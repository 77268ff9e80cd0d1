"""Write every mission contact as CSV (the columns import_contacts reads)."""

import sys

from django.core.management.base import BaseCommand

from campaign.exports import write_contacts
from campaign.models import MissionContact


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="File to write (default: stdout).")

    def handle(self, *args, output=None, **options):
        contacts = MissionContact.objects.select_related("mission__state").order_by(
            "pk"
        )
        if output:
            with open(output, "w", newline="", encoding="utf-8") as out:
                write_contacts(out, contacts)
        else:
            write_contacts(sys.stdout, contacts)
