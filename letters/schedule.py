"""Reminder rules become due rows; a dispatcher claims each and sends it once."""

from __future__ import annotations

import datetime
import logging
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from campaign.models import Campaign, Outcome, Stance, Vote

from . import audiences, outgoing, subscriptions
from .reminders import Reminder, ReminderRule

logger = logging.getLogger(__name__)

# A claimed row not finished within this time is taken over by another
# dispatcher; nothing was queued for it, because sending and marking it sent
# commit together.
CLAIM_LEASE = datetime.timedelta(minutes=10)
# While a ballot's result is awaited, a result reminder is checked this often.
RESULT_RECHECK = datetime.timedelta(minutes=5)
MAX_ATTEMPTS = 3


def local_due_time(
    *,
    anchor_date: datetime.date,
    offset_days: int,
    local_time: datetime.time,
    zone: str,
) -> datetime.datetime:
    """The UTC moment of ``local_time`` on ``anchor_date + offset_days`` in ``zone``.

    The wall-clock time holds across daylight-saving changes: 09:00 New York is
    14:00 UTC in winter and 13:00 UTC in summer. A time skipped by a spring
    change is read with the offset before it; a repeated time is its first pass.
    """
    day = anchor_date + datetime.timedelta(days=offset_days)
    local = datetime.datetime.combine(day, local_time, tzinfo=ZoneInfo(zone))
    return local.astimezone(datetime.UTC)


def anchor_date(rule: ReminderRule) -> datetime.date | None:
    """The calendar date the rule counts from, in the campaign's time zone."""
    if rule.anchor == ReminderRule.Anchor.BALLOT:
        return rule.ballot.date if rule.ballot_id else None
    deadline = audiences.letter_deadline(letter_id=rule.letter_id)
    if deadline is None:
        return None
    return deadline.astimezone(ZoneInfo(rule.campaign.time_zone)).date()


def due_at_for(rule: ReminderRule) -> datetime.datetime | None:
    day = anchor_date(rule)
    if day is None:
        return None
    return local_due_time(
        anchor_date=day,
        offset_days=rule.offset_days,
        local_time=rule.local_time,
        zone=rule.campaign.time_zone,
    )


def schedule_rule(*, rule: ReminderRule) -> Reminder | None:
    """Make the rule's due row match the rule and its anchor, now.

    A pending row moves to the new moment; a row already sent or being sent is
    never touched and no second one is made. A moment already skipped or
    cancelled is not made again, but a new moment gets a new row.
    """
    if rule.status == ReminderRule.Status.CANCELLED:
        rule.reminders.filter(status=Reminder.Status.PENDING).update(
            status=Reminder.Status.CANCELLED, note="Rule cancelled."
        )
        return None
    rows = rule.reminders.all()
    if rows.filter(status__in=[Reminder.Status.SENT, Reminder.Status.CLAIMED]).exists():
        return None
    due_at = due_at_for(rule)
    if due_at is None:
        rows.filter(status=Reminder.Status.PENDING).update(
            status=Reminder.Status.CANCELLED, note="The anchor has no date."
        )
        return None
    pending = rows.filter(status=Reminder.Status.PENDING).first()
    if pending is not None:
        if pending.due_at != due_at:
            moved = Reminder.objects.filter(
                pk=pending.pk, status=Reminder.Status.PENDING
            ).update(due_at=due_at, deferred_until=None)
            if moved:
                pending.due_at = due_at
        return pending
    try:
        with transaction.atomic():
            reminder, _ = Reminder.objects.get_or_create(rule=rule, due_at=due_at)
    except IntegrityError:  # another dispatcher made it a moment ago
        reminder = Reminder.objects.get(rule=rule, due_at=due_at)
    return reminder if reminder.status == Reminder.Status.PENDING else None


def schedule_reminders(*, campaign: Campaign | None = None) -> int:
    """Bring every live rule's due row up to date (ballot dates move)."""
    rules = ReminderRule.objects.live().select_related("campaign", "ballot")
    if campaign is not None:
        rules = rules.filter(campaign=campaign)
    rules = rules.exclude(
        reminders__status__in=[Reminder.Status.SENT, Reminder.Status.CLAIMED]
    )
    return sum(1 for rule in rules if schedule_rule(rule=rule) is not None)


@transaction.atomic
def save_reminder_rule(*, rule: ReminderRule, by=None) -> ReminderRule:
    """Create or change a rule and reschedule its pending row in one step.

    A rule without what its anchor and audience need (ReminderRule.problems)
    is refused with a ValidationError naming the fields, and nothing changes.
    """
    problems = rule.problems()
    if problems:
        raise ValidationError(problems)
    if rule.pk is None and by is not None:
        rule.created_by = by
    rule.save()
    schedule_rule(rule=rule)
    return rule


@transaction.atomic
def set_rule_status(*, rule: ReminderRule, status: str) -> ReminderRule:
    """Pause, resume or cancel; a paused rule's row waits, a cancelled one goes."""
    rule.status = status
    rule.save(update_fields=["status", "updated_at"])
    schedule_rule(rule=rule)
    return rule


@dataclass
class DispatchReport:
    sent: int = 0
    skipped: int = 0
    deferred: int = 0
    failed: int = 0


class Skip(Exception):
    """The reminder will not be sent; the message says why."""


class Defer(Exception):
    """Not yet: check again later (a ballot's result is awaited)."""


def claim_reminder(*, reminder_id: int, worker: str, now: datetime.datetime) -> bool:
    """Compare-and-set: pending (or a lapsed claim) becomes claimed by ``worker``.

    One UPDATE with the condition in its WHERE clause, so of two dispatchers
    racing for a row exactly one sees a changed row.
    """
    return bool(
        Reminder.objects.filter(pk=reminder_id)
        .filter(
            Q(status=Reminder.Status.PENDING)
            | Q(status=Reminder.Status.CLAIMED, claimed_at__lt=now - CLAIM_LEASE)
        )
        .update(
            status=Reminder.Status.CLAIMED,
            claimed_at=now,
            claimed_by=worker,
            attempts=F("attempts") + 1,
        )
    )


@translation.override(settings.LANGUAGE_CODE)
def dispatch_due_reminders(
    *, now: datetime.datetime | None = None, worker: str | None = None
) -> DispatchReport:
    """Send every reminder now due, each once, however many dispatchers run."""
    now = now or timezone.now()
    worker = worker or uuid.uuid4().hex
    schedule_reminders()
    report = DispatchReport()
    lapsed = Q(
        status=Reminder.Status.CLAIMED,
        claimed_at__lt=now - CLAIM_LEASE,
        rule__status=ReminderRule.Status.ACTIVE,
    )
    candidates = Reminder.objects.filter(
        Q(pk__in=Reminder.objects.due(now).values("pk")) | lapsed
    ).values_list("pk", flat=True)
    for reminder_id in list(candidates.order_by("due_at", "pk")):
        if not claim_reminder(reminder_id=reminder_id, worker=worker, now=now):
            continue
        outcome = _run_claimed(reminder_id=reminder_id, worker=worker, now=now)
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _finish(reminder_id: int, worker: str, **fields) -> bool:
    return bool(
        Reminder.objects.filter(
            pk=reminder_id, status=Reminder.Status.CLAIMED, claimed_by=worker
        ).update(**fields)
    )


def _run_claimed(*, reminder_id: int, worker: str, now: datetime.datetime) -> str:
    reminder = Reminder.objects.select_related(
        "rule__campaign__series", "rule__ballot__document"
    ).get(pk=reminder_id)
    rule = reminder.rule
    late_by = now - reminder.due_at
    try:
        if rule.skip_if_late_by is not None and late_by > rule.skip_if_late_by:
            raise Skip(
                f"Missed its moment by {_duration(late_by)} "
                f"(the rule allows {_duration(rule.skip_if_late_by)})."
            )
        with transaction.atomic():
            # Marking it sent and queueing the messages commit together.
            count = send_reminder(reminder=reminder, now=now)
            if not _finish(
                reminder_id,
                worker,
                status=Reminder.Status.SENT,
                sent_at=now,
                recipient_count=count,
                deferred_until=None,
                note="",
            ):
                transaction.set_rollback(True)
                return "skipped"
        return "sent"
    except Skip as reason:
        _finish(reminder_id, worker, status=Reminder.Status.SKIPPED, note=str(reason))
        return "skipped"
    except Defer as reason:
        _finish(
            reminder_id,
            worker,
            status=Reminder.Status.PENDING,
            claimed_by="",
            deferred_until=now + RESULT_RECHECK,
            note=str(reason),
        )
        return "deferred"
    except Exception as exc:
        logger.exception("Reminder %s failed", reminder_id)
        final = reminder.attempts + 1 >= MAX_ATTEMPTS
        _finish(
            reminder_id,
            worker,
            status=Reminder.Status.FAILED if final else Reminder.Status.PENDING,
            claimed_by="",
            note=f"{type(exc).__name__}: {exc}"[:300],
        )
        return "failed"


def _duration(delta: datetime.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 48 else f"{hours // 24} days"


def send_reminder(*, reminder: Reminder, now: datetime.datetime) -> int:
    """Queue the reminder's messages; return how many. Raises Skip or Defer."""
    rule = reminder.rule
    Audience = ReminderRule.Audience
    if rule.audience == Audience.SUBSCRIBERS_RESULT:
        return _send_result(reminder=reminder)
    if rule.audience == Audience.MISSIONS_FOLLOW_UP:
        return _send_follow_up_appeal(reminder=reminder)
    recipients = audiences.audience_for(rule)
    if not recipients:
        raise Skip("Nobody to reach when it ran.")
    return outgoing.deliver(
        kind=f"reminder:{rule.audience}",
        recipients=[r.email for r in recipients],
        subject=rule.subject,
        text=render_reminder_text(rule=rule, now=now),
        key=f"reminder:{reminder.pk}",
        campaign=rule.campaign,
        by=rule.created_by,
    )


def render_reminder_text(
    *, rule: ReminderRule, now: datetime.datetime | None = None
) -> str:
    """The text a staff or co-signer reminder carries, as it would be now."""
    template = (
        "letters/emails/reminder_staff_digest.txt"
        if rule.audience == ReminderRule.Audience.STAFF_DIGEST
        else "letters/emails/reminder_cosigners.txt"
    )
    with timezone.override(rule.campaign.time_zone):
        return render_to_string(
            template, reminder_context(rule=rule, now=now or timezone.now())
        )


def reminder_context(*, rule: ReminderRule, now: datetime.datetime) -> dict:
    campaign = rule.campaign
    zone = ZoneInfo(campaign.time_zone)
    context = {
        "rule": rule,
        "campaign": campaign,
        "site_url": settings.SITE_URL,
        "anchor": anchor_label(rule),
        "now_local": now.astimezone(zone),
    }
    if rule.audience == ReminderRule.Audience.STAFF_DIGEST:
        context["stances"] = (
            Stance.objects.filter(campaign=campaign, position__in=audiences.PERSUADABLE)
            .select_related("state", "owner", "owner_organisation")
            .order_by("position", "state__name")
        )
        context["letters"] = audiences.letters_awaiting_sign_off(campaign=campaign)
    elif rule.audience == ReminderRule.Audience.COSIGNERS_PENDING:
        deadline = audiences.letter_deadline(letter_id=rule.letter_id)
        context["deadline"] = deadline.astimezone(zone) if deadline else None
    return context


def anchor_label(rule: ReminderRule) -> str:
    if rule.anchor == ReminderRule.Anchor.BALLOT and rule.ballot_id:
        ballot = rule.ballot
        return (
            f"{ballot.get_body_display()} vote on "
            f"{ballot.subject or ballot.document.symbol}, {ballot.date:%d %B %Y}"
        )
    return f"sign-off deadline of letter {rule.letter_id}"


def when_label(rule: ReminderRule) -> str:
    """'7 days before <anchor>, 09:00' in words."""
    days = abs(rule.offset_days)
    unit = "day" if days == 1 else "days"
    if rule.offset_days < 0:
        relative = f"{days} {unit} before"
    elif rule.offset_days > 0:
        relative = f"{days} {unit} after"
    else:
        relative = "On the day of"
    return f"{relative} the {anchor_label(rule)}, at {rule.local_time:%H:%M}"


def _send_result(*, reminder: Reminder) -> int:
    rule = reminder.rule
    ballot = rule.ballot
    if ballot is None:
        raise Skip("A result reminder needs a ballot.")
    ballot.refresh_from_db()
    if ballot.outcome == Outcome.PENDING:
        raise Defer("Waiting for the ballot's result to be recorded.")
    tally = Vote.objects.for_ballot(ballot).tally()
    messages = [
        outgoing.Message(
            to=recipient.email,
            **subscriptions.result_message(
                ballot=ballot,
                tally=tally if tally.total else None,
                token=recipient.unsubscribe_token,
            ),
        )
        for recipient in audiences.result_subscribers(series=rule.campaign.series)
    ]
    if not messages:
        raise Skip("No confirmed subscribers when it ran.")
    # Subscribers are private: the mailing is the administrators', not the campaign's.
    return outgoing.deliver_each(
        kind="subscription:result", key=f"reminder:{reminder.pk}", messages=messages
    )


def _send_follow_up_appeal(*, reminder: Reminder) -> int:
    """A follow-up appeal carries only a letter version every co-signer approved."""
    rule = reminder.rule
    version = approved_version(letter_id=rule.letter_id)
    if version is None:
        raise Skip(
            "No letter version approved by every co-signer: appeals pass the "
            "sign-off gate or are not sent."
        )
    recipients = audiences.audience_for(rule)
    if not recipients:
        raise Skip("No mission left to follow up when it ran.")
    text = render_to_string(
        "letters/emails/follow_up_appeal.txt", {"rule": rule, "version": version}
    )
    return outgoing.deliver_each(
        kind="appeal:follow-up",
        key=f"reminder:{reminder.pk}",
        campaign=rule.campaign,
        by=rule.created_by,
        messages=[
            outgoing.Message(
                to=r.email,
                subject=version.subject,
                text=text,
                html=version.body_html,
                contact=r.contact,
                language=r.language,
            )
            for r in recipients
        ],
    )


def approved_version(*, letter_id: int | None):
    """The letter's latest original-language version, if every co-signer signed it."""
    found = audiences._letter_models()
    if found is None or letter_id is None:
        return None
    Letter, CoSigner, SignOff = found
    letter = Letter.objects.filter(pk=letter_id).first()
    if letter is None:
        return None
    version = (
        letter.versions.filter(language=letter.original_language)
        .order_by("-number")
        .first()
    )
    if version is None:
        return None
    if audiences._unsigned_organisations(letter, CoSigner, SignOff):
        return None
    return version


def notify_subscribers_of_result(*, ballot) -> int:
    """Called once a ballot's result is recorded: result reminders waiting for
    it go out at the dispatcher's next minute instead of their next check."""
    return notify_subscribers_of_results(ballot_ids=[ballot.pk])


def notify_subscribers_of_results(*, ballot_ids: list[int]) -> int:
    """notify_subscribers_of_result for many ballots (an import), in few queries."""
    woken = 0
    for start in range(0, len(ballot_ids), 500):
        woken += Reminder.objects.filter(
            status=Reminder.Status.PENDING,
            rule__ballot_id__in=ballot_ids[start : start + 500],
            rule__audience=ReminderRule.Audience.SUBSCRIBERS_RESULT,
            deferred_until__isnull=False,
        ).update(deferred_until=None)
    return woken
