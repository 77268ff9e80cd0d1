"""Import recorded votes from UN Digital Library or ballot,state,vote CSV files."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from campaign.imports import ImportFailed
from campaign.vote_import import VotesImport, import_votes


class _RollBack(Exception):
    """Leaves the transaction without writing: a bad file, or a dry run."""


class Command(BaseCommand):
    help = (
        "Import recorded votes: all rows of all files, or nothing if any row is "
        "bad. Reads the UN Digital Library's General Assembly voting data or a "
        "ballot,state,vote file; importing the same file again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
        parser.add_argument(
            "--by", metavar="EMAIL", help="the staff user the history names"
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="report what importing would change, and write nothing",
        )

    def handle(self, *args, files: list[Path], by=None, dry_run=False, **options):
        user = None
        if by:
            user = get_user_model().objects.filter(email__iexact=by).first()
            if user is None:
                raise CommandError(f"No user has the email address {by}.")
        for file in files:
            if not file.is_file():
                raise CommandError(f"Cannot read {file}: no such file")
        results = []
        failed = 0
        try:
            with transaction.atomic():
                for file in files:
                    try:
                        results.append((file, self._import(file, user)))
                    except ImportFailed as exc:
                        failed += 1
                        for error in exc.errors:
                            self.stderr.write(f"{file}:{error.line}: {error.message}")
                        self.stderr.write(f"{file}: {len(exc.errors)} problem(s).")
                if failed or dry_run:
                    raise _RollBack
        except _RollBack:
            for _, result in results:
                result.committed = False
        if failed:
            raise CommandError(
                f"{failed} of {len(files)} file(s) had problems; nothing was imported."
            )
        for file, result in results:
            self._report(file, result)

    def _import(self, file: Path, user) -> VotesImport:
        try:
            with file.open(encoding="utf-8-sig", newline="") as stream:
                return import_votes(data=stream, by=user, source=file.name)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc

    def _report(self, file: Path, result: VotesImport) -> None:
        write = self.stdout.write
        for change in result.ballots:
            status = (
                "new ballot"
                if change.is_new
                else "changed"
                if change.is_changed
                else "unchanged"
            )
            if change.agrees is None:
                totals = "no totals to compare"
            elif change.agrees:
                totals = f"rows agree with the {change.totals_source} totals"
            else:
                totals = f"rows DISAGREE with the {change.totals_source} totals: " + (
                    ", ".join(
                        f"{name} {counted} counted, {given} given"
                        for name, (counted, given) in change.disagreements.items()
                    )
                )
            absent = (
                f"; {len(change.absent)} member(s) absent: {' '.join(change.absent)}"
                if change.absent
                else ""
            )
            write(
                f"{change.label} [{change.key}] {change.date}: {status}; votes "
                f"{change.new} new, {change.changed} changed, {change.unchanged} "
                f"unchanged; {totals}{absent}"
            )
        for name, count in result.skipped.items():
            write(f"Skipped {count} row(s) of {name}, a former Member.")
        verb = "Imported" if result.committed else "Would import"
        write(
            self.style.SUCCESS(
                f"{file}: {verb} {result.rows} row(s): {result.new_ballots} new "
                f"ballot(s), {result.changed_ballots} changed; votes "
                f"{result.new_votes} new, {result.changed_votes} changed, "
                f"{result.unchanged_votes} unchanged; "
                f"{len(result.disagreeing)} ballot(s) disagree with their totals."
            )
        )
