"""Staff alerts: changes to what they follow, at once or in a daily digest."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import Membership
from campaign.models import (
    Ballot,
    Campaign,
    Cosponsorship,
    Document,
    MemberState,
    Participation,
    RegionalGroup,
    ResolutionSeries,
    Stance,
    Vote,
)

from . import outgoing
from .reminders import AlertEvent, Follow


def follow(*, user, series=None, state=None, frequency: str) -> Follow:
    """Follow a series or a state (or change how often); idempotent."""
    lookup = {"series": series} if series is not None else {"state": state}
    existing, created = Follow.objects.get_or_create(
        user=user,
        **lookup,
        defaults={"frequency": frequency, "digest_sent_through": timezone.now()},
    )
    if not created and existing.frequency != frequency:
        existing.frequency = frequency
        existing.save(update_fields=["frequency"])
    return existing


def unfollow(*, user, follow_id: int) -> bool:
    return Follow.objects.filter(user=user, pk=follow_id).delete()[0] > 0


def _groups(counts: Counter) -> dict[str, int]:
    return {group: counts.get(group, 0) for group in RegionalGroup.values}


def alert_context(
    *,
    kind: str,
    document: Document | None = None,
    ballot: Ballot | None = None,
    campaign: Campaign | None = None,
) -> dict:
    """The counts an alert carries, as they are at the moment of the change."""
    cosponsor_kinds = (
        AlertEvent.Kind.COSPONSOR_ADDED,
        AlertEvent.Kind.COSPONSOR_WITHDRAWN,
    )
    if kind in cosponsor_kinds and document is not None:
        groups = Counter(
            Cosponsorship.objects.current()
            .filter(document=document)
            .values_list("state__regional_group", flat=True)
        )
        return {
            "document": document.symbol,
            "cosponsors": sum(groups.values()),
            "by_group": _groups(groups),
        }
    if kind == AlertEvent.Kind.VOTE_RECORDED and ballot is not None:
        votes = Vote.objects.for_ballot(ballot)
        return {
            "ballot": str(ballot),
            "tally": votes.tally().as_dict(),
            "by_group": {
                group: tally.as_dict()
                for group, tally in votes.tally_by_group().items()
            },
        }
    if kind == AlertEvent.Kind.STANCE_CHANGED and campaign is not None:
        rows = Stance.objects.filter(campaign=campaign).values_list(
            "state__regional_group", "position"
        )
        by_group: dict[str, Counter] = defaultdict(Counter)
        for group, position in rows:
            by_group[group][position] += 1
        return {
            "positions": dict(Counter(position for _, position in rows)),
            "by_group": {g: dict(by_group[g]) for g in RegionalGroup.values},
        }
    return {}


@transaction.atomic
def record_alert_event(
    *,
    kind: str,
    summary: str,
    series: ResolutionSeries | None = None,
    state: MemberState | None = None,
    campaign: Campaign | None = None,
    document: Document | None = None,
    ballot: Ballot | None = None,
    at: datetime.datetime | None = None,
) -> AlertEvent:
    """Note a change and tell immediate followers once the transaction commits.

    Stance changes are private: pass ``campaign`` and only its coalition's staff
    hear of them.
    """
    if series is None:
        source = document or (ballot.document if ballot else None)
        series = source.series if source else (campaign.series if campaign else None)
    event = AlertEvent.objects.create(
        kind=kind,
        summary=summary,
        series=series,
        state=state,
        campaign=campaign,
        context=alert_context(
            kind=kind, document=document, ballot=ballot, campaign=campaign
        ),
        created_at=at or timezone.now(),
    )
    users = {
        f.user for f in followers(event).filter(frequency=Follow.Frequency.IMMEDIATE)
    }
    if users:
        outgoing.deliver(
            kind="alert",
            recipients=[user.email for user in sorted(users, key=lambda u: u.pk)],
            subject=f"[Alert] {event.summary}",
            text=render_to_string(
                "letters/emails/alert.txt",
                {"events": [event], "site_url": settings.SITE_URL},
            ),
            key=f"alert:{event.pk}",
        )
    return event


# What the record's changes become (called by receivers.py, inside the change's
# transaction).


def alert_votes_recorded(*, ballots: Iterable[Ballot]) -> list[AlertEvent]:
    """A 'vote recorded' event per ballot whose series someone follows.

    Only followers of the series hear of a ballot, so elsewhere (most of a
    historical import) there is nobody to record it for.
    """
    ballots = list(ballots)
    series_of: dict[int, int] = {}
    document_ids = sorted({b.document_id for b in ballots})
    for start in range(0, len(document_ids), 500):
        series_of.update(
            Document.objects.filter(
                pk__in=document_ids[start : start + 500]
            ).values_list("pk", "series_id")
        )
    followed = set(
        Follow.objects.filter(series_id__in=set(series_of.values())).values_list(
            "series_id", flat=True
        )
    )
    events = []
    for ballot in ballots:
        if series_of.get(ballot.document_id) not in followed:
            continue
        tally = Vote.objects.for_ballot(ballot).tally()
        events.append(
            record_alert_event(
                kind=AlertEvent.Kind.VOTE_RECORDED,
                summary=f"{ballot}: {tally.yes} in favour, {tally.no} against, "
                f"{tally.abstain} abstentions ({ballot.get_outcome_display()})",
                ballot=ballot,
            )
        )
    return events


def alert_cosponsors_added(
    *, document: Document, states: Iterable[MemberState]
) -> list[AlertEvent]:
    """One event per State, so that its followers hear of it too."""
    return [
        record_alert_event(
            kind=AlertEvent.Kind.COSPONSOR_ADDED,
            summary=f"{state.name} cosponsors {document.symbol}",
            document=document,
            state=state,
        )
        for state in states
    ]


def alert_cosponsor_withdrawn(*, cosponsorship: Cosponsorship) -> AlertEvent:
    state, document = cosponsorship.state, cosponsorship.document
    return record_alert_event(
        kind=AlertEvent.Kind.COSPONSOR_WITHDRAWN,
        summary=f"{state.name} withdrew as a cosponsor of {document.symbol}",
        document=document,
        state=state,
    )


def alert_stance_changed(*, stance: Stance) -> AlertEvent:
    """Private to the campaign's coalition, like the stance itself."""
    return record_alert_event(
        kind=AlertEvent.Kind.STANCE_CHANGED,
        summary=f"{stance.state.name}: {stance.get_position_display()}",
        campaign=stance.campaign,
        state=stance.state,
    )


def _coalition_users(campaign_id: int):
    return (
        Membership.objects.active()
        .filter(
            organisation__participations__campaign_id=campaign_id,
            organisation__participations__status=Participation.Status.ACCEPTED,
        )
        .values("user")
    )


def followers(event: AlertEvent):
    """Follows that hear of the event: of its series or its state, and for a
    private event only those of the campaign's coalition (or superusers)."""
    match = Q(pk__in=[])
    if event.series_id:
        match |= Q(series_id=event.series_id)
    if event.state_id:
        match |= Q(state_id=event.state_id)
    follows = Follow.objects.filter(match, user__is_active=True).select_related("user")
    if event.campaign_id:
        follows = follows.filter(
            Q(user__in=_coalition_users(event.campaign_id)) | Q(user__is_superuser=True)
        )
    return follows


def _visible(event: AlertEvent, user, coalitions: dict[int, bool]) -> bool:
    if event.campaign_id is None or user.is_superuser:
        return True
    if event.campaign_id not in coalitions:
        coalitions[event.campaign_id] = (
            _coalition_users(event.campaign_id).filter(user=user).exists()
        )
    return coalitions[event.campaign_id]


@translation.override(settings.LANGUAGE_CODE)
def send_alert_digests(*, now: datetime.datetime | None = None) -> int:
    """One digest per daily follower of the events since their last; each event
    once, however many times or however late this runs."""
    now = now or timezone.now()
    by_user: dict[int, list[Follow]] = defaultdict(list)
    for f in Follow.objects.filter(
        frequency=Follow.Frequency.DAILY, digest_sent_through__lt=now
    ).select_related("user"):
        by_user[f.user_id].append(f)
    sent = 0
    for follows in by_user.values():
        user = follows[0].user
        with transaction.atomic():
            events: dict[int, AlertEvent] = {}
            coalitions: dict[int, bool] = {}
            for f in follows:
                # Compare-and-set: a second run sees the window already moved.
                if not Follow.objects.filter(
                    pk=f.pk, digest_sent_through=f.digest_sent_through
                ).update(digest_sent_through=now):
                    continue
                window = AlertEvent.objects.filter(
                    created_at__gt=f.digest_sent_through, created_at__lte=now
                ).filter(
                    Q(series_id=f.series_id) if f.series_id else Q(state_id=f.state_id)
                )
                for event in window:
                    if _visible(event, user, coalitions):
                        events[event.pk] = event
            if not events or not user.is_active:
                continue
            ordered = sorted(events.values(), key=lambda e: (e.created_at, e.pk))
            outgoing.deliver(
                kind="alert:digest",
                recipients=[user.email],
                subject=f"[Daily alerts] {len(ordered)} change(s)",
                text=render_to_string(
                    "letters/emails/alert.txt",
                    {"events": ordered, "site_url": settings.SITE_URL, "digest": True},
                ),
                key=f"alert-digest:{user.pk}:{now.isoformat()}",
            )
            sent += 1
    return sent
