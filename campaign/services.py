"""Writes to the UN record: registry, contacts, votes, cosponsors and stances."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.models import Membership, Organisation

from . import pagecache, registry, signals
from .annex import match_names
from .imports import ContactRow, ImportReport, parse_contacts
from .models import (
    Ballot,
    Bloc,
    Campaign,
    Cosponsorship,
    Document,
    MemberState,
    Mission,
    MissionContact,
    Outcome,
    Participation,
    Position,
    Stance,
    Vote,
)
from .tallies import Tally, decide


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
    if report.created or report.updated:
        pagecache.record_changed()
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
        pagecache.record_changed()
    return outcome


class EntryRejected(ValueError):
    """Staff input that cannot be recorded; ``problems`` says why, one per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass
class RecordReport:
    created: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    outcome: str = Outcome.PENDING
    tally: Tally = field(default_factory=Tally)
    version: int = 0

    @property
    def touched(self) -> int:
        return self.created + self.changed + self.removed


def _decided_outcome(ballot: Ballot) -> str:
    votes = Vote.objects.for_ballot(ballot)
    tally = votes.tally()
    if tally.total == 0:
        return Outcome.PENDING
    vetoed_by = votes.filter(position=Position.NO).values_list("state__iso3", flat=True)
    return decide(ballot.body, tally, vetoed_by=vetoed_by)


def _bump_version(ballot: Ballot) -> int:
    # F() so that two saves at once both count; the public pages cache on it.
    Ballot.objects.filter(pk=ballot.pk).update(version=F("version") + 1)
    pagecache.record_changed()
    return Ballot.objects.values_list("version", flat=True).get(pk=ballot.pk)


def _audit(by, target, what: str, **data) -> None:
    """The change in the audit log of the organisations ``by`` acts for."""
    from accounts.models import AuditAction
    from accounts.services import record_staff_change

    record_staff_change(
        action=AuditAction.RECORD_CHANGED,
        by=by,
        target=target,
        data={"change": what, **data},
    )


@transaction.atomic
def record_votes(*, ballot: Ballot, positions: Mapping[str, str], by) -> RecordReport:
    """Record positions (alpha-3 code to Y/N/A/X; "" clears one) on one ballot.

    Only States that were Members on the ballot's date can vote: naming any other,
    or an unknown position, rejects the whole entry and writes nothing. The outcome
    is decided again under the body's rule and the ballot's version bumped.
    """
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    previous = ballot.outcome
    eligible = {s.iso3: s for s in MemberState.objects.members_on(ballot.date)}
    problems = []
    for iso3, position in positions.items():
        if iso3 not in eligible:
            state = MemberState.objects.filter(iso3=iso3).first()
            problems.append(
                f"{state.name if state else iso3} was not a Member State on "
                f"{ballot.date:%d %B %Y} and cannot vote."
            )
        elif position not in Position.values and position != "":
            problems.append(
                f"{eligible[iso3].name}: {position!r} is not a position "
                "(use Y, N, A or X)."
            )
    if problems:
        raise EntryRejected(problems)

    existing = {v.state.iso3: v for v in ballot.votes.select_related("state")}
    report = RecordReport()
    new, changed, removed = [], [], []
    for iso3, position in positions.items():
        vote = existing.get(iso3)
        if vote is None and position:
            new.append(Vote(ballot=ballot, state=eligible[iso3], position=position))
        elif vote is not None and not position:
            removed.append(vote)
        elif vote is not None and vote.position != position:
            vote.position = position
            changed.append(vote)
        else:
            report.unchanged += 1
    bulk_create_with_history(new, Vote, default_user=by)
    bulk_update_with_history(changed, Vote, ["position"], default_user=by)
    for vote in removed:
        vote._history_user = by
        vote.delete()
    report.created = len(new)
    report.changed = len(changed)
    report.removed = len(removed)

    report.outcome = _decided_outcome(ballot)
    if report.outcome != ballot.outcome or not ballot.is_recorded:
        ballot.outcome = report.outcome
        ballot.is_recorded = True
        ballot._history_user = by
        ballot.save(update_fields=["outcome", "is_recorded"])
        pagecache.record_changed()
    report.tally = Vote.objects.for_ballot(ballot).tally()
    report.version = _bump_version(ballot) if report.touched else ballot.version
    if report.touched:
        _audit(
            by,
            ballot,
            "votes recorded",
            changes=report.touched,
            outcome=report.outcome,
        )
        signals.votes_recorded.send(sender=Ballot, ballots=[ballot])
    if report.outcome != previous and report.outcome != Outcome.PENDING:
        signals.outcome_decided.send(sender=Ballot, ballots=[ballot])
    return report


@transaction.atomic
def adopt_without_vote(*, ballot: Ballot, by) -> Ballot:
    """Record that the body adopted the text without a vote: no positions exist."""
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    if ballot.votes.exists():
        raise EntryRejected(
            [
                "This ballot has recorded positions; clear them before marking it "
                "adopted without a vote."
            ]
        )
    previous = ballot.outcome
    ballot.is_recorded = False
    ballot.outcome = Outcome.ADOPTED_WITHOUT_VOTE
    ballot._history_user = by
    ballot.save(update_fields=["is_recorded", "outcome"])
    ballot.version = _bump_version(ballot)
    _audit(by, ballot, "adopted without a vote")
    if previous != ballot.outcome:
        signals.outcome_decided.send(sender=Ballot, ballots=[ballot])
    return ballot


@dataclass
class CosponsorReport:
    added: list[MemberState] = field(default_factory=list)
    already: list[MemberState] = field(default_factory=list)


@transaction.atomic
def add_cosponsors(
    *,
    document: Document,
    names_or_states: Iterable[str | MemberState],
    since: datetime.date,
    source: str,
    by,
    source_ref: str = "",
    role: str = Cosponsorship.Role.COSPONSOR,
) -> CosponsorReport:
    """Add States to a draft's cosponsors from ``since``; current ones are kept.

    A name that fits no State or several, or a State that was neither a Member
    nor an observer on ``since``, rejects the whole list and writes nothing.
    """
    items = list(names_or_states)
    matched = match_names([n for n in items if isinstance(n, str)])
    problems = [
        f"{u.text!r} could be {' or '.join(u.candidates)}: use the full name."
        if u.is_ambiguous
        else f"{u.text!r} is not a State name this site knows."
        for u in matched.unmatched
    ]
    codes = [iso3 for iso3, _ in matched.states]
    codes += [s.iso3 for s in items if isinstance(s, MemberState)]
    states = {s.iso3: s for s in MemberState.objects.filter(iso3__in=codes)}
    for iso3 in dict.fromkeys(codes):
        state = states[iso3]
        joined = state.observer_since if state.is_observer else state.member_since
        if joined is None or joined > since:
            problems.append(f"{state.name} was not a Member or observer on {since}.")
    if problems:
        raise EntryRejected(problems)

    current = set(
        document.cosponsorships.current().values_list("state__iso3", flat=True)
    )
    report = CosponsorReport()
    rows = []
    for iso3 in dict.fromkeys(codes):
        if iso3 in current:
            report.already.append(states[iso3])
            continue
        report.added.append(states[iso3])
        rows.append(
            Cosponsorship(
                document=document,
                state=states[iso3],
                role=role,
                since=since,
                source=source,
                source_ref=source_ref,
            )
        )
    bulk_create_with_history(rows, Cosponsorship, default_user=by)
    if report.added:
        _audit(
            by,
            document,
            "cosponsors added",
            states=[state.iso3 for state in report.added],
            since=since.isoformat(),
        )
        signals.cosponsors_added.send(
            sender=Cosponsorship, document=document, states=report.added
        )
    if rows:
        pagecache.record_changed()
    return report


@transaction.atomic
def withdraw_cosponsor(
    *, cosponsorship: Cosponsorship, on: datetime.date, by
) -> Cosponsorship:
    """Record a State's withdrawal from a draft's cosponsors on a date."""
    if cosponsorship.withdrawn_on is not None:
        raise EntryRejected([f"{cosponsorship.state} has already withdrawn."])
    if on < cosponsorship.since:
        raise EntryRejected(
            [f"{cosponsorship.state} joined on {cosponsorship.since}, after {on}."]
        )
    cosponsorship.withdrawn_on = on
    cosponsorship._history_user = by
    cosponsorship.save(update_fields=["withdrawn_on"])
    _audit(by, cosponsorship, "cosponsor withdrew", on=on.isoformat())
    signals.cosponsor_withdrawn.send(sender=Cosponsorship, cosponsorship=cosponsorship)
    pagecache.record_changed()
    return cosponsorship


@transaction.atomic
def set_stance(
    *,
    campaign: Campaign,
    state: MemberState,
    position: str,
    by,
    owner_organisation: Organisation | None = None,
    owner=None,
    notes: str = "",
) -> Stance:
    """Create or change the coalition's read of one State in one campaign.

    An owner must belong to the coalition: an organisation with an accepted place
    in the campaign, or an active member of one.
    """
    coalition = Participation.objects.filter(
        campaign=campaign, status=Participation.Status.ACCEPTED
    ).values("organisation")
    problems = []
    if state.is_observer:
        problems.append(f"{state.name} is not a Member State and has no vote.")
    if position not in Stance.Position.values:
        problems.append(f"{position!r} is not a stance.")
    if (
        owner_organisation
        and not coalition.filter(organisation=owner_organisation).exists()
    ):
        problems.append(f"{owner_organisation} is not in this campaign's coalition.")
    if (
        owner
        and not Membership.objects.active()
        .filter(user=owner, organisation__in=coalition)
        .exists()
    ):
        problems.append(f"{owner} is not a member of the coalition.")
    if problems:
        raise EntryRejected(problems)
    stance = Stance.objects.filter(campaign=campaign, state=state).first() or Stance(
        campaign=campaign, state=state
    )
    values = {
        "position": position,
        "owner_organisation": owner_organisation,
        "owner": owner,
        "notes": notes,
    }
    if stance.pk and all(getattr(stance, k) == v for k, v in values.items()):
        return stance
    moved = stance.pk is None or stance.position != position
    for key, value in values.items():
        setattr(stance, key, value)
    stance._history_user = by
    stance.save()
    _audit(by, stance, "stance saved", position=position)
    if moved:
        signals.stance_changed.send(sender=Stance, stance=stance)
    return stance
