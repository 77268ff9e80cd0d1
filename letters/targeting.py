"""Whom an appeal reaches: missions by group, bloc, vote, cosponsorship, stance."""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field

from django.db.models import Exists, Max, OuterRef, QuerySet
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from campaign.models import (
    Campaign,
    Cosponsorship,
    Document,
    MemberState,
    Mission,
    MissionContact,
    Stance,
    Vote,
)

from .ledger import Delivery, DeliveryStatus, Suppression

COSPONSOR = "cosponsor"
NOT_COSPONSOR = "not-cosponsor"
NO_STANCE = "none"
# A delivery still on its way or already out counts as an appeal made.
APPEALED_STATUSES = (
    DeliveryStatus.QUEUED,
    DeliveryStatus.SENDING,
    DeliveryStatus.SENT,
    DeliveryStatus.DELIVERED,
)


@dataclass
class Criteria:
    """The targeting form as stored on an appeal; empty lists mean "any"."""

    groups: list[str] = field(default_factory=list)
    blocs: list[str] = field(default_factory=list)
    ballot: int | None = None
    positions: list[str] = field(default_factory=list)
    cosponsor: str = ""
    stances: list[str] = field(default_factory=list)
    city: str = Mission.City.NEW_YORK
    window_days: int = 30
    include_recent: bool = False

    @classmethod
    def from_dict(cls, data: dict | None) -> Criteria:
        data = data or {}
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class RecentAppeal:
    name: str
    at: datetime.datetime


@dataclass
class TargetState:
    """One state of the preview: its contacts, and whether it was appealed lately."""

    state: MemberState
    contacts: list[MissionContact] = field(default_factory=list)
    held: list[MissionContact] = field(default_factory=list)
    recent: RecentAppeal | None = None
    included: bool = True


@dataclass
class Targeting:
    criteria: Criteria
    states: list[TargetState]

    @property
    def contacts(self) -> list[MissionContact]:
        return [c for row in self.states if row.included for c in row.contacts]

    @property
    def included_states(self) -> list[TargetState]:
        return [row for row in self.states if row.included]

    @property
    def flagged(self) -> list[TargetState]:
        return [row for row in self.states if row.recent is not None]

    @property
    def without_contacts(self) -> list[TargetState]:
        return [row for row in self.states if not row.contacts]

    @property
    def held(self) -> list[MissionContact]:
        return [c for row in self.states for c in row.held]


def campaign_drafts(campaign: Campaign) -> QuerySet[Document]:
    return Document.objects.filter(
        series=campaign.series,
        session=campaign.session,
        kind__in=[Document.Kind.DRAFT, Document.Kind.REVISION],
    )


def selected_states(*, campaign: Campaign, criteria: Criteria) -> QuerySet:
    """Member states matching every filter chosen."""
    states = MemberState.objects.members()
    if criteria.groups:
        states = states.filter(regional_group__in=criteria.groups)
    if criteria.blocs:
        states = states.filter(blocs__code__in=criteria.blocs)
    if criteria.ballot and criteria.positions:
        states = states.filter(
            Exists(
                Vote.objects.filter(
                    ballot_id=criteria.ballot,
                    state=OuterRef("pk"),
                    position__in=criteria.positions,
                )
            )
        )
    if criteria.cosponsor in (COSPONSOR, NOT_COSPONSOR):
        cosponsoring = Exists(
            Cosponsorship.objects.current().filter(
                document__in=campaign_drafts(campaign), state=OuterRef("pk")
            )
        )
        states = states.filter(
            cosponsoring if criteria.cosponsor == COSPONSOR else ~cosponsoring
        )
    if criteria.stances:
        stances = Stance.objects.filter(campaign=campaign, state=OuterRef("pk"))
        wanted = Exists(stances.filter(position__in=criteria.stances))
        if NO_STANCE in criteria.stances:
            wanted |= ~Exists(stances)
        states = states.filter(wanted)
    return states.distinct().order_by("name")


def recently_appealed(
    *,
    campaign: Campaign,
    since: datetime.datetime,
    exclude_appeal_id: int | None = None,
) -> dict[int, RecentAppeal]:
    """State id -> the latest other appeal of the campaign that reached its mission."""
    rows = (
        Delivery.objects.filter(
            mailing__appeal__campaign=campaign,
            status__in=APPEALED_STATUSES,
            state__isnull=False,
        )
        .exclude(mailing__appeal__pk=exclude_appeal_id)
        .annotate(at=Coalesce("sent_at", "mailing__launched_at"))
        .filter(at__gte=since)
        .values("state_id", "mailing__appeal__name")
        .annotate(last=Max("at"))
        .order_by("state_id", "last")
    )
    found: dict[int, RecentAppeal] = {}
    for row in rows:
        found[row["state_id"]] = RecentAppeal(row["mailing__appeal__name"], row["last"])
    return found


def target(
    *,
    campaign: Campaign,
    criteria: Criteria,
    exclude_appeal_id: int | None = None,
    now: datetime.datetime | None = None,
) -> Targeting:
    """The states and contacts the criteria select now, with the flags the sender sees.

    Contacts whose address is suppressed (a hard bounce or complaint, awaiting a
    correction) are held back. A state another appeal of the campaign reached within
    the window is flagged, and left out unless the sender includes it.
    """
    now = now or timezone.now()
    states = list(selected_states(campaign=campaign, criteria=criteria))
    contacts = (
        MissionContact.objects.filter(
            mission__state__in=[s.pk for s in states], mission__city=criteria.city
        )
        .annotate(
            held=Exists(Suppression.objects.filter(email=Lower(OuterRef("email"))))
        )
        .select_related("mission__state")
        .order_by("mission__state__name", "-is_head", "name")
    )
    recent = recently_appealed(
        campaign=campaign,
        since=now - datetime.timedelta(days=max(criteria.window_days, 0)),
        exclude_appeal_id=exclude_appeal_id,
    )
    rows = {
        s.pk: TargetState(
            state=s, recent=recent.get(s.pk) if criteria.window_days else None
        )
        for s in states
    }
    for contact in contacts:
        row = rows[contact.mission.state_id]
        (row.held if contact.held else row.contacts).append(contact)
    for row in rows.values():
        row.included = bool(row.contacts) and (
            row.recent is None or criteria.include_recent
        )
    return Targeting(criteria=criteria, states=list(rows.values()))


def describe(criteria: Criteria) -> list[str]:
    """The criteria in words, for the appeal's page."""
    from campaign.models import Ballot, Bloc, Position, RegionalGroup

    parts = []
    if criteria.groups:
        parts.append(", ".join(str(RegionalGroup(g).label) for g in criteria.groups))
    if criteria.blocs:
        names = Bloc.objects.filter(code__in=criteria.blocs).values_list(
            "name", flat=True
        )
        parts.append("in " + " or ".join(names))
    if criteria.ballot and criteria.positions:
        ballot = (
            Ballot.objects.select_related("document").filter(pk=criteria.ballot).first()
        )
        positions = " or ".join(
            str(Position(p).label).lower() for p in criteria.positions
        )
        parts.append(
            f"voted {positions} on {ballot}" if ballot else "on a deleted ballot"
        )
    if criteria.cosponsor == COSPONSOR:
        parts.append("cosponsoring this session's draft")
    elif criteria.cosponsor == NOT_COSPONSOR:
        parts.append("not cosponsoring this session's draft")
    if criteria.stances:
        labels = dict(Stance.Position.choices) | {NO_STANCE: "no read yet"}
        parts.append("stance: " + ", ".join(str(labels[s]) for s in criteria.stances))
    parts.append(f"{Mission.City(criteria.city).label} missions")
    if criteria.window_days:
        parts.append(
            f"states appealed to in the last {criteria.window_days} days "
            + ("included" if criteria.include_recent else "left out")
        )
    return parts
