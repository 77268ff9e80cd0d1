"""Appeals: an approved letter sent to the missions a sender chose (models)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

__all__ = ["Appeal", "Progress"]


class AppealQuerySet(models.QuerySet):
    def launched(self):
        return self.filter(mailing__isnull=False)

    def due(self, now):
        """Scheduled appeals whose time has come."""
        return self.filter(status=Appeal.Status.SCHEDULED, scheduled_at__lte=now)


class Appeal(models.Model):
    """One sending of a joint letter to the missions its targeting selects."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        PAUSED = "paused", _("Paused")
        CANCELLED = "cancelled", _("Cancelled")
        DONE = "done", _("Done")

    campaign = models.ForeignKey(
        "campaign.Campaign", on_delete=models.CASCADE, related_name="appeals"
    )
    letter = models.ForeignKey(
        "letters.Letter", on_delete=models.PROTECT, related_name="appeals"
    )
    name = models.CharField(max_length=200)
    languages = models.JSONField(
        default=list,
        blank=True,
        help_text=_(
            "Languages sent besides the original; other contacts get the original."
        ),
    )
    # {language: {"id": version id, "hash": text hash}}, fixed when scheduled or
    # launched: what the co-signers approved is what goes out.
    versions = models.JSONField(default=dict, blank=True)
    criteria = models.JSONField(
        default=dict, blank=True, help_text=_("The targeting form, as chosen.")
    )
    attach_pdf = models.BooleanField(default=False)
    reply_to = models.EmailField(blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    scheduled_at = models.DateTimeField(null=True, blank=True)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(
        blank=True, help_text=_("Why the last launch was refused, if it was.")
    )
    mailing = models.OneToOneField(
        "letters.Mailing",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeal",
    )
    launched_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AppealQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("letters:appeal_detail", args=[self.pk])

    @property
    def current_status(self) -> str:
        """The status, with a sending appeal whose mailing has drained shown done."""
        if (
            self.status == self.Status.SENDING
            and self.mailing_id
            and self.mailing.status == "done"
        ):
            return self.Status.DONE
        return self.status

    def get_current_status_display(self) -> str:
        return self.Status(self.current_status).label

    @property
    def all_languages(self) -> list[str]:
        """The original language first, then the chosen translations."""
        original = self.letter.original_language
        return [original, *sorted(set(self.languages) - {original})]


@dataclass(frozen=True)
class Progress:
    """Where an appeal's messages stand: counts by status and how far it got."""

    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def pending(self) -> int:
        return self.counts.get("queued", 0) + self.counts.get("sending", 0)

    @property
    def finished(self) -> int:
        return self.total - self.pending

    @property
    def reached(self) -> int:
        return self.counts.get("sent", 0) + self.counts.get("delivered", 0)

    @property
    def percent(self) -> int:
        return round(100 * self.finished / self.total) if self.total else 100

    def rows(self) -> list[tuple[str, str, int]]:
        from .ledger import DeliveryStatus

        return [
            (value, label, self.counts[value])
            for value, label in DeliveryStatus.choices
            if self.counts.get(value)
        ]

    @classmethod
    def of(cls, appeal: Appeal) -> Progress | None:
        if not appeal.mailing_id:
            return None
        return cls(appeal.mailing.deliveries.counts_by_status())
