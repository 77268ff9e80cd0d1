"""Reading CSV files into checked rows, reporting every bad row by its line."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from .models import Mission, UNLanguage
from .names import AmbiguousName, NameIndex


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class ImportFailed(Exception):
    """Raised with every bad row; nothing was written."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors[:20]))


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)


def read_csv(data: bytes | str | Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows as dicts with stripped, lower-cased keys, each with its line number."""
    if isinstance(data, bytes):
        data = data.decode("utf-8-sig")
    if isinstance(data, str):
        data = io.StringIO(data)
    reader = csv.DictReader(data)
    if reader.fieldnames is None:
        return
    reader.fieldnames = [(name or "").strip().lower() for name in reader.fieldnames]
    for row in reader:
        yield (
            reader.line_num,
            {
                key: (value or "").strip()
                for key, value in row.items()
                if key is not None
            },
        )


def match_state(index: NameIndex, text: str) -> tuple[str | None, str | None]:
    """(iso3, None) for a known state, or (None, reason)."""
    if not text:
        return None, "no state given"
    try:
        iso3 = index.match(text)
    except AmbiguousName as exc:
        return None, str(exc)
    if iso3 is None:
        return None, f"unknown state {text!r}"
    return iso3, None


_CITIES = {
    "": Mission.City.NEW_YORK,
    "new york": Mission.City.NEW_YORK,
    "new-york": Mission.City.NEW_YORK,
    "geneva": Mission.City.GENEVA,
}
_YES = {"yes", "y", "true", "1", "x"}
_NO = {"", "no", "n", "false", "0"}


@dataclass(frozen=True)
class ContactRow:
    line: int
    iso3: str
    city: str
    name: str
    title: str
    email: str
    language: str
    is_head: bool


def parse_contacts(data, *, index: NameIndex | None = None) -> list[ContactRow]:
    """Check a whole contacts CSV; raise ImportFailed naming every bad row."""
    index = index or NameIndex.default()
    rows: list[ContactRow] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, str, str], int] = {}
    lines = read_csv(data)
    for line, row in lines:
        missing = [c for c in ("state", "name", "email") if c not in row]
        if missing:
            errors.append(RowError(1, f"missing column(s): {', '.join(missing)}"))
            break
        problems = []
        iso3, reason = match_state(index, row["state"])
        if reason:
            problems.append(reason)
        city = _CITIES.get(row.get("city", "").lower())
        if city is None:
            problems.append(f"unknown city {row['city']!r} (New York or Geneva)")
        if not row["name"]:
            problems.append("no name")
        email = row["email"].lower()
        try:
            validate_email(email)
        except ValidationError:
            problems.append(f"invalid email address {row['email']!r}")
        language = (row.get("language") or "en").lower()[:2]
        if language not in UNLanguage.values:
            problems.append(
                f"language {row.get('language')!r} is not a UN language "
                f"({', '.join(UNLanguage.values)})"
            )
        head = row.get("head", "").lower()
        if head not in _YES | _NO:
            problems.append(f"head must be yes or no, not {row.get('head')!r}")
        key = (iso3 or "", city or "", email)
        if not problems and key in seen:
            problems.append(f"same contact as line {seen[key]}")
        if problems:
            errors.extend(RowError(line, p) for p in problems)
            continue
        seen[key] = line
        rows.append(
            ContactRow(
                line=line,
                iso3=iso3,
                city=city,
                name=row["name"],
                title=row.get("title", ""),
                email=email,
                language=language,
                is_head=head in _YES,
            )
        )
    if errors:
        raise ImportFailed(errors)
    if not rows:
        raise ImportFailed([RowError(1, "the file has no contact rows")])
    return rows
