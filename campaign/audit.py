"""Reading django-simple-history rows as changes: who, when, old value, new value."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist


@dataclass
class Change:
    when: datetime.datetime
    who: object | None
    subject: str
    kind: str  # "added", "changed" or "removed"
    fields: list[tuple[str, str, str]] = field(default_factory=list)


_KINDS = {"+": "added", "~": "changed", "-": "removed"}


def _shown(record, name: str) -> str:
    if display := getattr(record, f"get_{name}_display", None):
        return str(display()) if getattr(record, name) not in (None, "") else ""
    try:
        value = getattr(record, name)
    except ObjectDoesNotExist:
        # History keeps the id of a row deleted since; say so rather than fail.
        return f"(deleted #{getattr(record, f'{name}_id')})"
    return "" if value is None else str(value)


def changes(
    records: Iterable, *, fields: Iterable[str], subject: Callable[[object], str]
) -> list[Change]:
    """Newest first; an edit that touched none of ``fields`` is left out."""
    fields = list(fields)
    last: dict[int, dict[str, str]] = {}
    result = []
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        values = {name: _shown(record, name) for name in fields}
        before = last.get(record.id, dict.fromkeys(fields, ""))
        kind = _KINDS[record.history_type]
        if kind == "removed":
            values_now = dict.fromkeys(fields, "")
            shown = [(n, values[n], "") for n in fields if values[n]]
        else:
            values_now = values
            shown = [
                (n, before[n], values[n]) for n in fields if before[n] != values[n]
            ]
        last[record.id] = values_now
        if not shown and kind == "changed":
            continue
        labels = record._meta
        result.append(
            Change(
                when=record.history_date,
                who=record.history_user,
                subject=subject(record),
                kind=kind,
                fields=[
                    (str(labels.get_field(n).verbose_name), old, new)
                    for n, old, new in shown
                ],
            )
        )
    result.reverse()
    return result
