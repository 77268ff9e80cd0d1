"""CSV exports that spreadsheets open safely."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import IO, Any

# A cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Neutralise a text cell a spreadsheet would run as a formula (OWASP advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_rows(
    out: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])


CONTACT_HEADER = ("state", "city", "name", "title", "email", "language", "head")


def write_contacts(out: IO[str], contacts) -> None:
    """Mission contacts, in the same columns the import reads."""
    write_rows(
        out,
        CONTACT_HEADER,
        (
            (
                c.mission.state.iso3,
                c.mission.get_city_display(),
                c.name,
                c.title,
                c.email,
                c.preferred_language,
                "yes" if c.is_head else "no",
            )
            for c in contacts
        ),
    )
