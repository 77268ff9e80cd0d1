"""Who a reminder reaches: each audience computed from the record as it is now."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from accounts.models import Membership, Role
from campaign.models import (
    Campaign,
    Cosponsorship,
    MissionContact,
    Participation,
    ResolutionSeries,
    Stance,
)

from .reminders import ReminderRule, Subscription

logger = logging.getLogger(__name__)

UNDECIDED = [Stance.Position.UNDECIDED]
PERSUADABLE = [
    Stance.Position.UNDECIDED,
    Stance.Position.LEANING_YES,
    Stance.Position.LEANING_NO,
]


@dataclass(frozen=True)
class Recipient:
    """One address an audience reaches, and why (shown in the staff preview)."""

    email: str
    name: str = ""
    reason: str = ""
    language: str = "en"
    unsubscribe_token: str = ""
    contact: MissionContact | None = None


@dataclass
class PendingLetter:
    """A letter of the campaign still missing sign-offs, for the staff digest."""

    title: str
    deadline: object
    missing: list[str] = field(default_factory=list)
    letter_id: int | None = None


def _letter_models():
    """Letter, CoSigner and SignOff from letters.models, or None where absent."""
    try:
        from letters.models import CoSigner, Letter, SignOff
    except ImportError:
        logger.warning("Joint letters are not installed: letter audiences are empty.")
        return None
    return Letter, CoSigner, SignOff


def campaign_staff(*, campaign: Campaign) -> list[Recipient]:
    """Active members of every organisation that accepted a place in the campaign."""
    memberships = (
        Membership.objects.active()
        .filter(
            user__is_active=True,
            organisation__participations__campaign=campaign,
            organisation__participations__status=Participation.Status.ACCEPTED,
        )
        .select_related("user", "organisation")
        .order_by("user__email", "organisation__name")
    )
    reasons: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for membership in memberships:
        email = membership.user.email
        names[email] = membership.user.get_full_name()
        reasons.setdefault(email, []).append(
            f"{membership.get_role_display()}, {membership.organisation.short_name}"
        )
    return [
        Recipient(email=email, name=names[email], reason="; ".join(reasons[email]))
        for email in sorted(reasons)
    ]


def _unsigned_organisations(letter, CoSigner, SignOff) -> list:
    """Co-signing organisations with no sign-off on the latest original-language text.

    A sign-off counts only on that version and only for the hash it approved.
    """
    version = (
        letter.versions.filter(language=letter.original_language)
        .order_by("-number")
        .first()
    )
    cosigners = letter.cosigners.filter(
        status__in=[CoSigner.Status.INVITED, CoSigner.Status.ACCEPTED]
    ).select_related("organisation")
    if version is None:
        return [c.organisation for c in cosigners]
    signed = set(
        SignOff.objects.filter(
            version=version, text_hash=version.text_hash
        ).values_list("organisation_id", flat=True)
    )
    return [c.organisation for c in cosigners if c.organisation_id not in signed]


def pending_cosigners(*, letter_id: int | None) -> list[Recipient]:
    """Signatories (else admins) of each co-signing organisation yet to sign off.

    Co-signers invited or accepted, whose organisation has no sign-off matching
    the hash of the letter's latest version in its original language. Empty when
    the letter does not exist or joint letters are not installed.
    """
    found = _letter_models()
    if found is None or letter_id is None:
        return []
    Letter, CoSigner, SignOff = found
    letter = Letter.objects.filter(pk=letter_id).first()
    if letter is None:
        return []
    recipients: dict[str, Recipient] = {}
    for organisation in _unsigned_organisations(letter, CoSigner, SignOff):
        people = Membership.objects.active().filter(
            organisation=organisation, user__is_active=True
        )
        chosen = people.filter(role=Role.SIGNATORY) or people.filter(role=Role.ADMIN)
        for membership in chosen.select_related("user"):
            email = membership.user.email
            recipients.setdefault(
                email,
                Recipient(
                    email=email,
                    name=membership.user.get_full_name(),
                    reason=f"{membership.get_role_display()}, {organisation.short_name}"
                    f": not signed off “{letter.title}”",
                ),
            )
    return sorted(recipients.values(), key=lambda r: r.email)


def letters_awaiting_sign_off(*, campaign: Campaign) -> list[PendingLetter]:
    """The campaign's letters with co-signers yet to sign off, and who they are."""
    found = _letter_models()
    if found is None:
        return []
    Letter, CoSigner, SignOff = found
    pending = []
    for letter in Letter.objects.filter(campaign=campaign).order_by("pk"):
        missing = _unsigned_organisations(letter, CoSigner, SignOff)
        if missing:
            pending.append(
                PendingLetter(
                    title=letter.title,
                    deadline=letter.sign_off_deadline,
                    missing=[o.short_name for o in missing],
                    letter_id=letter.pk,
                )
            )
    return pending


def letter_deadline(*, letter_id: int | None):
    """The letter's sign-off deadline (aware datetime), or None."""
    found = _letter_models()
    if found is None or letter_id is None:
        return None
    Letter = found[0]
    return (
        Letter.objects.filter(pk=letter_id)
        .values_list("sign_off_deadline", flat=True)
        .first()
    )


def campaign_drafts(campaign: Campaign):
    from campaign.models import Document

    return Document.objects.filter(
        series=campaign.series,
        session=campaign.session,
        kind__in=[Document.Kind.DRAFT, Document.Kind.REVISION],
    )


def states_to_follow_up(*, campaign: Campaign, mission_filter: str):
    """(state, reason) pairs the filter selects, by state name.

    Undecided / persuadable: the campaign's stance on the state. Not
    cosponsoring: member states with no current cosponsorship of the session's
    drafts of the campaign's series. No reply: states the campaign's appeals
    reached whose missions have sent no reply since the first of them.
    """
    from campaign.models import MemberState

    if mission_filter == ReminderRule.MissionFilter.NO_REPLY:
        return [(state, "no reply") for state in states_without_reply(campaign)]

    if mission_filter == ReminderRule.MissionFilter.NOT_COSPONSORING:
        cosponsors = Cosponsorship.objects.current().filter(
            document__in=campaign_drafts(campaign)
        )
        states = MemberState.objects.members().exclude(
            pk__in=cosponsors.values("state")
        )
        return [(state, "not a cosponsor") for state in states.order_by("name")]
    positions = (
        UNDECIDED
        if mission_filter == ReminderRule.MissionFilter.UNDECIDED
        else PERSUADABLE
    )
    stances = (
        Stance.objects.filter(campaign=campaign, position__in=positions)
        .select_related("state")
        .order_by("state__name")
    )
    return [(s.state, s.get_position_display().lower()) for s in stances]


def states_without_reply(campaign: Campaign):
    """States reached by the campaign's appeals whose missions have not replied."""
    from django.db.models import Min

    from campaign.models import MemberState

    from .ledger import Delivery, DeliveryStatus, InboundReply, Mailing

    reached = Delivery.objects.filter(
        mailing__campaign=campaign,
        mailing__kind=Mailing.Kind.APPEAL,
        status__in=[DeliveryStatus.SENT, DeliveryStatus.DELIVERED],
    )
    first = reached.aggregate(first=Min("sent_at"))["first"]
    if first is None:
        return MemberState.objects.none()
    replied = InboundReply.objects.filter(received_at__gte=first).values(
        "mission__state"
    )
    return (
        MemberState.objects.filter(pk__in=reached.values("state"))
        .exclude(pk__in=replied)
        .order_by("name")
    )


def missions_to_follow_up(
    *, campaign: Campaign, mission_filter: str
) -> list[Recipient]:
    """Contacts at the missions of the states the filter selects."""
    selected = {
        state.pk: reason
        for state, reason in states_to_follow_up(
            campaign=campaign, mission_filter=mission_filter
        )
    }
    contacts = (
        MissionContact.objects.filter(mission__state__in=selected)
        .select_related("mission__state")
        .order_by("mission__state__name", "-is_head", "email")
    )
    return [
        Recipient(
            email=c.email,
            name=c.name,
            reason=f"{c.mission.state.name}: {selected[c.mission.state_id]}",
            language=c.preferred_language,
            contact=c,
        )
        for c in contacts
    ]


def result_subscribers(*, series: ResolutionSeries) -> list[Recipient]:
    """Confirmed, not unsubscribed subscribers to the series."""
    return [
        Recipient(email=s.email, reason="subscriber", unsubscribe_token=s.token)
        for s in Subscription.objects.active().filter(series=series).order_by("pk")
    ]


def audience_for(rule: ReminderRule) -> list[Recipient]:
    """Exactly whom the rule would reach if it ran now."""
    Audience = ReminderRule.Audience
    if rule.audience == Audience.STAFF_DIGEST:
        return campaign_staff(campaign=rule.campaign)
    if rule.audience == Audience.COSIGNERS_PENDING:
        return pending_cosigners(letter_id=rule.letter_id)
    if rule.audience == Audience.MISSIONS_FOLLOW_UP:
        return missions_to_follow_up(
            campaign=rule.campaign, mission_filter=rule.mission_filter
        )
    if rule.audience == Audience.SUBSCRIBERS_RESULT:
        return result_subscribers(series=rule.campaign.series)
    raise ValueError(f"unknown audience {rule.audience!r}")
