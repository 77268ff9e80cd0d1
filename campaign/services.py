"""Writes to the UN record: the registry, missions and their contacts."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F

from . import registry
from .imports import ContactRow, ImportReport, parse_contacts
from .models import (
    Ballot,
    Bloc,
    MemberState,
    Mission,
    MissionContact,
    Position,
    Vote,
)
from .tallies import decide


@transaction.atomic
def load_registry() -> ImportReport:
    """Create or update the 195 states, their blocs and a New York mission each.

    Running it again changes nothing and duplicates nothing.
    """
    report = ImportReport()
    blocs = {}
    for code, (name, attribute) in registry.BLOCS.items():
        blocs[code], _ = Bloc.objects.update_or_create(
            code=code,
            defaults={"name": name, "source": f"countrygroups.{attribute}"},
        )
    existing = {s.iso3: s for s in MemberState.objects.prefetch_related("blocs")}
    for facts in registry.all_states():
        values = {
            "iso2": facts.iso2,
            "name": facts.name,
            "names": facts.names,
            "regional_group": facts.regional_group,
            "member_since": facts.member_since,
            "is_observer": facts.is_observer,
            "observer_since": facts.observer_since,
        }
        state = existing.get(facts.iso3)
        if state is None:
            state = MemberState.objects.create(iso3=facts.iso3, **values)
            report.created += 1
        elif any(getattr(state, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(state, key, value)
            state.save()
            report.updated += 1
        else:
            report.unchanged += 1
        wanted = {blocs[code].pk for code in facts.blocs}
        if {b.pk for b in state.blocs.all()} != wanted:
            state.blocs.set(wanted)
        if not facts.is_observer:
            Mission.objects.get_or_create(state=state, city=Mission.City.NEW_YORK)
    return report


@transaction.atomic
def import_mission_contacts(*, data: bytes | str | Iterable[str]) -> ImportReport:
    """Add or update mission contacts from CSV; any bad row and nothing is written."""
    rows = parse_contacts(data)
    return _save_contacts(rows)


def _save_contacts(rows: list[ContactRow]) -> ImportReport:
    report = ImportReport()
    states = {s.iso3: s for s in MemberState.objects.all()}
    missions = {
        (m.state.iso3, m.city): m for m in Mission.objects.select_related("state")
    }
    for row in rows:
        mission = missions.get((row.iso3, row.city))
        if mission is None:
            mission = Mission.objects.create(state=states[row.iso3], city=row.city)
            missions[(row.iso3, row.city)] = mission
        values = {
            "name": row.name,
            "title": row.title,
            "preferred_language": row.language,
            "is_head": row.is_head,
        }
        contact, created = MissionContact.objects.get_or_create(
            mission=mission, email=row.email, defaults=values
        )
        if created:
            report.created += 1
        elif any(getattr(contact, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(contact, key, value)
            contact.save()
            report.updated += 1
        else:
            report.unchanged += 1
    return report


def refresh_ballot_outcome(*, ballot_id: int) -> str | None:
    """Set a recorded ballot's outcome from its votes; None if the ballot is gone."""
    ballot = Ballot.objects.filter(pk=ballot_id, is_recorded=True).first()
    if ballot is None:
        return None
    tally = Vote.objects.for_ballot(ballot).tally()
    vetoed_by = Vote.objects.for_ballot(ballot).filter(position=Position.NO)
    outcome = decide(
        ballot.body, tally, vetoed_by=vetoed_by.values_list("state__iso3", flat=True)
    )
    if outcome != ballot.outcome:
        Ballot.objects.filter(pk=ballot.pk).update(
            outcome=outcome, version=F("version") + 1
        )
    return outcome
