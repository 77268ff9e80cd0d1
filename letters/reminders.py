"""Reminder rules and their due rows, staff alerts, and public result subscriptions."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = ["AlertEvent", "Follow", "Reminder", "ReminderRule", "Subscription"]


class ReminderRuleQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=ReminderRule.Status.ACTIVE)

    def live(self):
        """Rules staff still see: active or paused, not cancelled."""
        return self.exclude(status=ReminderRule.Status.CANCELLED)


class ReminderRule(models.Model):
    """'7 days before the Third Committee vote at 09:00 New York time, to ...'."""

    class Anchor(models.TextChoices):
        BALLOT = "ballot", _("A ballot's date")
        LETTER_DEADLINE = "letter-deadline", _("A letter's sign-off deadline")

    class Audience(models.TextChoices):
        STAFF_DIGEST = "staff-digest", _("Staff of the coalition: what needs doing")
        COSIGNERS_PENDING = (
            "cosigners-pending",
            _("Co-signers who have not signed off"),
        )
        MISSIONS_FOLLOW_UP = (
            "missions-follow-up",
            _("Missions still to persuade: a follow-up appeal"),
        )
        SUBSCRIBERS_RESULT = (
            "subscribers-result",
            _("Public subscribers: the result once recorded"),
        )

    class MissionFilter(models.TextChoices):
        UNDECIDED = "undecided", _("Stance still undecided")
        PERSUADABLE = "persuadable", _("Undecided or leaning either way")
        NOT_COSPONSORING = "not-cosponsoring", _("Not (yet) a cosponsor")
        NO_REPLY = "no-reply", _("Appealed to, and no reply since")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        CANCELLED = "cancelled", _("Cancelled")

    campaign = models.ForeignKey(
        "campaign.Campaign", on_delete=models.CASCADE, related_name="reminder_rules"
    )
    name = models.CharField(max_length=200)
    anchor = models.CharField(
        max_length=16, choices=Anchor.choices, default=Anchor.BALLOT
    )
    ballot = models.ForeignKey(
        "campaign.Ballot",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminder_rules",
    )
    # The letter's primary key; letters and reminders are merged separately, so
    # the link is kept as a plain id and resolved through letters.models at use.
    letter_id = models.PositiveBigIntegerField(null=True, blank=True)
    offset_days = models.SmallIntegerField(
        default=-7, help_text=_("Days relative to the anchor date; negative is before.")
    )
    local_time = models.TimeField(
        default=datetime.time(9, 0),
        help_text=_("Time of day in the campaign's time zone."),
    )
    audience = models.CharField(max_length=20, choices=Audience.choices)
    mission_filter = models.CharField(
        max_length=16,
        choices=MissionFilter.choices,
        default=MissionFilter.PERSUADABLE,
        help_text=_("Which missions a follow-up appeal reaches."),
    )
    subject = models.CharField(max_length=200)
    message = models.TextField(
        blank=True, help_text=_("Plain text placed above what the message lists.")
    )
    skip_if_late_by = models.DurationField(
        null=True,
        blank=True,
        help_text=_(
            "If the site could not send on time, skip when later than this; "
            "empty: send however late."
        ),
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReminderRuleQuerySet.as_manager()

    class Meta:
        ordering = ["campaign", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(anchor="ballot", ballot__isnull=False)
                | Q(anchor="letter-deadline", letter_id__isnull=False),
                name="reminder_rule_has_its_anchor",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def problems(self) -> dict[str, str]:
        """What keeps the rule from being scheduled, by the field to fix:
        "ballot", "letter_id" or "anchor". Empty when none."""
        return rule_problems(
            anchor=self.anchor,
            audience=self.audience,
            has_ballot=self.ballot_id is not None,
            has_letter=self.letter_id is not None,
        )


def rule_problems(
    *, anchor: str | None, audience: str | None, has_ballot: bool, has_letter: bool
) -> dict[str, str]:
    """The rule's anchor and audience need a ballot or a letter to count from
    and to send; a result message counts from its ballot. Shared by the
    staff form, the admin and ``schedule.save_reminder_rule``."""
    problems = {}
    if anchor == ReminderRule.Anchor.BALLOT and not has_ballot:
        problems["ballot"] = _("Choose the ballot the rule counts from.")
    needs_letter = anchor == ReminderRule.Anchor.LETTER_DEADLINE or (
        audience == ReminderRule.Audience.COSIGNERS_PENDING
    )
    if needs_letter and not has_letter:
        problems["letter_id"] = _(
            "Choose the letter (there is none in this campaign yet)."
        )
    if (
        audience == ReminderRule.Audience.SUBSCRIBERS_RESULT
        and anchor != ReminderRule.Anchor.BALLOT
    ):
        problems["anchor"] = _("A result message counts from its ballot.")
    return problems


class ReminderQuerySet(models.QuerySet):
    def upcoming(self):
        return self.filter(status=Reminder.Status.PENDING).order_by("due_at")

    def due(self, now: datetime.datetime):
        """Pending rows of active rules whose moment has come."""
        return self.filter(
            status=Reminder.Status.PENDING,
            due_at__lte=now,
            rule__status=ReminderRule.Status.ACTIVE,
        ).filter(Q(deferred_until__isnull=True) | Q(deferred_until__lte=now))


class Reminder(models.Model):
    """One due occurrence of a rule: the schedule is these rows, nothing else."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CLAIMED = "claimed", _("Being sent")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Failed")

    rule = models.ForeignKey(
        ReminderRule, on_delete=models.CASCADE, related_name="reminders"
    )
    due_at = models.DateTimeField(db_index=True, help_text=_("In UTC."))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    deferred_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Checked again then, e.g. while a ballot's result is awaited."),
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipient_count = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=300, blank=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "due_at"], name="one_reminder_per_rule_moment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule} at {self.due_at:%Y-%m-%d %H:%M} UTC ({self.status})"


class Follow(models.Model):
    """A staff member following a resolution series or a state for alerts."""

    class Frequency(models.TextChoices):
        IMMEDIATE = "immediate", _("At once")
        DAILY = "daily", _("Daily digest")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    series = models.ForeignKey(
        "campaign.ResolutionSeries",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    state = models.ForeignKey(
        "campaign.MemberState",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    frequency = models.CharField(
        max_length=10, choices=Frequency.choices, default=Frequency.IMMEDIATE
    )
    digest_sent_through = models.DateTimeField(
        help_text=_("Events up to this moment are in a digest already.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(series__isnull=False, state__isnull=True)
                | Q(series__isnull=True, state__isnull=False),
                name="follow_one_thing",
            ),
            models.UniqueConstraint(
                fields=["user", "series"], name="follow_series_once"
            ),
            models.UniqueConstraint(fields=["user", "state"], name="follow_state_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} follows {self.series or self.state}"

    @property
    def subject(self):
        return self.series or self.state


class AlertEvent(models.Model):
    """A change followers hear about: a new cosponsor, a recorded vote, a stance."""

    class Kind(models.TextChoices):
        COSPONSOR_ADDED = "cosponsor-added", _("New cosponsor")
        COSPONSOR_WITHDRAWN = "cosponsor-withdrawn", _("Cosponsor withdrawn")
        VOTE_RECORDED = "vote-recorded", _("Vote recorded")
        STANCE_CHANGED = "stance-changed", _("Stance changed")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    series = models.ForeignKey(
        "campaign.ResolutionSeries",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    state = models.ForeignKey(
        "campaign.MemberState",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    campaign = models.ForeignKey(
        "campaign.Campaign",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Set for private events: only the coalition's staff hear them."),
    )
    summary = models.CharField(max_length=300)
    context = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.summary


class SubscriptionQuerySet(models.QuerySet):
    def active(self):
        return self.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)


class Subscription(models.Model):
    """A visitor's confirmed wish to hear a resolution's results. Never listed."""

    email = models.EmailField()
    series = models.ForeignKey(
        "campaign.ResolutionSeries",
        on_delete=models.CASCADE,
        related_name="subscriptions",
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_ip_hash = models.CharField(max_length=64, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["email", "series"], name="one_subscription_per_series"
            )
        ]

    def __str__(self) -> str:
        return f"Subscription {self.pk} to {self.series}"

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None
