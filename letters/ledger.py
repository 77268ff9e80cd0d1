"""The delivery ledger: mailings, one row per message, its attempts and events."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = [
    "Delivery",
    "DeliveryAttempt",
    "DeliveryEvent",
    "DeliveryStatus",
    "InboundReply",
    "Mailing",
    "Suppression",
]


class MailingQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A campaign's mailings are for its coalition; others for any staff member.

        Mail to one person (alerts, subscribers, account and letter notices) names
        them and their links: only the site's administrators see it.
        """
        if user.is_superuser:
            return self
        return (
            self.exclude(kind__in=Mailing.PRIVATE_KINDS)
            .filter(
                Q(campaign__isnull=True)
                | Q(
                    campaign__participations__status="accepted",
                    campaign__participations__organisation__memberships__user=user,
                    campaign__participations__organisation__memberships__is_active=True,
                )
            )
            .distinct()
        )


class Mailing(models.Model):
    """A batch of messages sent together: an appeal, a reminder run, an alert."""

    class Kind(models.TextChoices):
        APPEAL = "appeal", _("Appeal")
        REMINDER = "reminder", _("Reminder")
        ALERT = "alert", _("Alert")
        SUBSCRIPTION = "subscription", _("Subscription")
        NOTICE = "notice", _("Notice")
        OTHER = "other", _("Other")

    PRIVATE_KINDS = (Kind.ALERT, Kind.SUBSCRIPTION, Kind.NOTICE)

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        PAUSED = "paused", _("Paused")
        CANCELLED = "cancelled", _("Cancelled")
        DONE = "done", _("Done")

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    name = models.CharField(max_length=200)
    campaign = models.ForeignKey(
        "campaign.Campaign",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mailings",
    )
    launched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    launched_at = models.DateTimeField(default=timezone.now)
    scheduled_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Nothing is sent before this time.")
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    from_email = models.CharField(max_length=254)
    reply_to = models.CharField(max_length=254, blank=True)
    list_id = models.CharField(max_length=254)
    subject_template = models.CharField(max_length=400, blank=True)
    text_template = models.TextField(blank=True)
    html_template = models.TextField(blank=True)
    renderer = models.CharField(
        max_length=200,
        default="letters.rendering.render_from_templates",
        help_text=_("Dotted path of the function that renders one delivery."),
    )

    objects = MailingQuerySet.as_manager()

    class Meta:
        ordering = ["-launched_at"]

    def __str__(self) -> str:
        return self.name

    def is_sendable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.status == self.Status.RUNNING and (
            self.scheduled_at is None or self.scheduled_at <= now
        )


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    BOUNCED = "bounced", _("Bounced")
    COMPLAINED = "complained", _("Complained")
    FAILED = "failed", _("Failed")
    SUPPRESSED = "suppressed", _("Suppressed")
    DEAD = "dead", _("Dead")
    CANCELLED = "cancelled", _("Cancelled")


# Provider events only ever move a row to a higher rank.
EVENT_RANK = {
    DeliveryStatus.SENDING: 0,
    DeliveryStatus.SENT: 1,
    DeliveryStatus.DELIVERED: 2,
    DeliveryStatus.BOUNCED: 3,
    DeliveryStatus.COMPLAINED: 3,
}
PENDING_STATUSES = (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)


class DeliveryQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status__in=PENDING_STATUSES)

    def final(self):
        return self.exclude(status__in=PENDING_STATUSES)

    def due(self, now):
        """Queued rows whose wait, if any, is over."""
        return self.filter(status=DeliveryStatus.QUEUED).filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
        )

    def lease_expired(self, now):
        return self.filter(status=DeliveryStatus.SENDING, lease_until__lt=now)

    def stuck(self, now, *, older_than):
        """Pending rows nothing has moved for ``older_than``: not waiting out a
        retry, yet neither sent nor failed (re-publishing does not count)."""
        return (
            self.pending()
            .filter(updated_at__lt=now - older_than)
            .exclude(status=DeliveryStatus.QUEUED, next_attempt_at__gt=now)
        )

    def counts_by_status(self) -> dict[str, int]:
        rows = self.order_by().values("status").annotate(n=Count("pk"))
        counts = dict.fromkeys(DeliveryStatus.values, 0)
        counts.update({row["status"]: row["n"] for row in rows})
        return counts


class Delivery(models.Model):
    """One message to one recipient, and where it stands."""

    # Every index is written again each time a send moves the row: the unique
    # (mailing, contact) constraint serves lookups by mailing, and the
    # (status, next_attempt_at) index those by status.
    mailing = models.ForeignKey(
        Mailing, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    contact = models.ForeignKey(
        "campaign.MissionContact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
    )
    to_email = models.EmailField()
    language = models.CharField(max_length=7, default="en")
    state = models.ForeignKey(
        "campaign.MemberState",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True)
    status = models.CharField(
        max_length=10,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.QUEUED,
    )
    # Filled at launch when the text is frozen then; empty means render at send time.
    subject = models.CharField(max_length=400, blank=True)
    text_body = models.TextField(blank=True)
    html_body = models.TextField(blank=True)
    # Headers of this message alone, e.g. a subscriber's own List-Unsubscribe.
    headers = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    crash_count = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["mailing", "pk"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["mailing", "contact"], name="one_delivery_per_contact"
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            # Only providers that return an id have one (SMTP sends none).
            models.Index(
                fields=["provider_message_id"],
                condition=~models.Q(provider_message_id=""),
                name="delivery_provider_message_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.to_email} ({self.status})"

    @property
    def message_id(self) -> str:
        return f"<{self.idempotency_key}@{settings.EMAIL_DOMAIN}>"


class DeliveryAttempt(models.Model):
    """One try at sending a delivery, with its outcome."""

    class Outcome(models.TextChoices):
        SENT = "sent", _("Sent")
        TRANSIENT = "transient", _("Transient failure, will retry")
        FAILED = "failed", _("Permanent failure")
        SUPPRESSED = "suppressed", _("Suppressed")
        CRASHED = "crashed", _("Worker lost (lease expired)")
        DEAD = "dead", _("Dead after repeated crashes")
        REROUTED = "rerouted", _("Re-routed to a corrected address")

    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    detail = models.TextField(blank=True)
    worker = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["delivery", "started_at", "pk"]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}: {self.outcome}"


class DeliveryEvent(models.Model):
    """A provider's tracking event, stored once so a replay changes nothing."""

    provider = models.CharField(max_length=40)
    event_id = models.CharField(max_length=200)
    event_type = models.CharField(max_length=20)
    delivery = models.ForeignKey(
        Delivery,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    recipient = models.CharField(max_length=254, blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"], name="one_event_per_provider_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_type} {self.event_id}"


class SuppressionQuerySet(models.QuerySet):
    def for_email(self, email: str):
        return self.filter(email=email.strip().lower())


class Suppression(models.Model):
    """An address nothing is sent to; its contact is on hold until corrected."""

    class Reason(models.TextChoices):
        BOUNCE = "bounce", _("Hard bounce")
        COMPLAINT = "complaint", _("Spam complaint")
        MANUAL = "manual", _("Added by staff")

    email = models.EmailField(unique=True)
    reason = models.CharField(max_length=10, choices=Reason.choices)
    since = models.DateTimeField(default=timezone.now)
    contact = models.ForeignKey(
        "campaign.MissionContact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="suppressions",
    )
    delivery = models.ForeignKey(
        Delivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detail = models.TextField(blank=True)

    objects = SuppressionQuerySet.as_manager()

    class Meta:
        ordering = ["-since"]

    def __str__(self) -> str:
        return f"{self.email} ({self.reason})"


class InboundReply(models.Model):
    """A message from a mission, kept for the coalition and never shown publicly."""

    mission = models.ForeignKey(
        "campaign.Mission",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replies",
    )
    delivery = models.ForeignKey(
        Delivery,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replies",
    )
    from_email = models.CharField(max_length=254)
    subject = models.CharField(max_length=400, blank=True)
    text = models.TextField(blank=True)
    headers = models.TextField(blank=True)
    message_id = models.CharField(max_length=400, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at"]
        verbose_name_plural = "inbound replies"
        constraints = [
            models.UniqueConstraint(
                fields=["message_id"],
                condition=~Q(message_id=""),
                name="one_reply_per_message_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_email}: {self.subject}"
