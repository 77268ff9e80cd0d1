"""Import mission contacts from CSV: all rows or none, every bad row reported."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from campaign.imports import ImportFailed
from campaign.services import import_mission_contacts


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        try:
            report = import_mission_contacts(data=data)
        except ImportFailed as exc:
            for error in exc.errors:
                self.stderr.write(f"{file}:{error.line}: {error.message}")
            raise CommandError(
                f"{len(exc.errors)} problem(s) found; nothing was imported."
            ) from exc
        self.stdout.write(
            f"Contacts: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged."
        )
