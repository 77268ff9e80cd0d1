"""Joint letters: versions per language, co-signers, sign-offs, comments, templates."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from campaign.models import MemberState, UNLanguage


class LetterQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def visible_to(self, user):
        """Letters of campaigns the user's organisations take part in, or co-sign."""
        if user.is_superuser:
            return self
        organisations = user.memberships.active().values("organisation")
        return self.filter(
            Q(
                campaign__participations__organisation__in=organisations,
                campaign__participations__status="accepted",
            )
            | Q(cosigners__organisation__in=organisations)
        ).distinct()


class Letter(models.Model):
    """A joint letter of one campaign, led by one organisation."""

    campaign = models.ForeignKey(
        "campaign.Campaign", on_delete=models.CASCADE, related_name="letters"
    )
    lead = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="led_letters"
    )
    title = models.CharField(
        max_length=200, help_text=_("For staff; the subject line is in each version.")
    )
    original_language = models.CharField(
        max_length=2, choices=UNLanguage.choices, default=UNLanguage.ENGLISH
    )
    sign_off_deadline = models.DateTimeField(null=True, blank=True)
    slug = models.SlugField(max_length=120, unique=True)
    is_published = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    started_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="successors",
    )
    started_from_template = models.ForeignKey(
        "LetterTemplate",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="letters",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LetterQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("letters:letter_detail", args=[self.pk])

    def get_public_url(self) -> str:
        return reverse("letters_public:letter", args=[self.slug])

    def latest_version(self, language: str | None = None) -> LetterVersion | None:
        return (
            self.versions.filter(language=language or self.original_language)
            .order_by("-number")
            .first()
        )

    def recipient_states(self):
        """States an appeal of this letter reached (sent, or delivered since)."""
        from .ledger import Delivery, DeliveryStatus

        reached = Delivery.objects.filter(
            mailing__appeal__letter=self,
            status__in=[DeliveryStatus.SENT, DeliveryStatus.DELIVERED],
        )
        return MemberState.objects.filter(pk__in=reached.values("state_id"))


class LetterVersionQuerySet(models.QuerySet):
    def latest(self):
        """The newest version of each language."""
        newer = LetterVersion.objects.filter(
            letter=OuterRef("letter"),
            language=OuterRef("language"),
            number__gt=OuterRef("number"),
        )
        return self.exclude(Exists(newer))


class LetterVersion(models.Model):
    """One saved text of a letter in one language; never changed once saved."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        READY = "ready", _("Ready")

    letter = models.ForeignKey(
        Letter, on_delete=models.CASCADE, related_name="versions"
    )
    language = models.CharField(max_length=2, choices=UNLanguage.choices)
    number = models.PositiveIntegerField()
    subject = models.CharField(max_length=300)
    body_source = models.TextField(help_text=_("The Markdown the author wrote."))
    body_html = models.TextField(help_text=_("Rendered and sanitised on save."))
    text_hash = models.CharField(max_length=64)
    status = models.CharField(
        max_length=5, choices=Status.choices, default=Status.DRAFT
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LetterVersionQuerySet.as_manager()

    class Meta:
        ordering = ["letter", "language", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["letter", "language", "number"], name="one_version_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.letter} ({self.language}) v{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("letters:version_detail", args=[self.pk])

    @property
    def short_hash(self) -> str:
        return self.text_hash[:12]


class CoSigner(models.Model):
    """An organisation invited to sign a letter; the lead is one too."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    letter = models.ForeignKey(
        Letter, on_delete=models.CASCADE, related_name="cosigners"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="cosignatures"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.INVITED
    )
    order = models.PositiveSmallIntegerField(default=0)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    invited_at = models.DateTimeField(auto_now_add=True)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["letter", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["letter", "organisation"], name="one_cosigner_per_letter"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} on {self.letter} ({self.status})"


class SignOff(models.Model):
    """One organisation's signatory approving one exact version, by its hash."""

    version = models.ForeignKey(
        LetterVersion, on_delete=models.CASCADE, related_name="sign_offs"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="sign_offs"
    )
    signatory = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sign_offs"
    )
    text_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["signed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "organisation"], name="one_sign_off_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} approved {self.version}"


class Comment(models.Model):
    """A staff remark on one version."""

    version = models.ForeignKey(
        LetterVersion, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.version}"


class LetterTemplate(models.Model):
    """A saved starting point for new letters."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=200)
    language = models.CharField(
        max_length=2, choices=UNLanguage.choices, default=UNLanguage.ENGLISH
    )
    subject = models.CharField(max_length=300)
    body_source = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


from .appeals import *  # noqa: E402, F401, F403
from .ledger import *  # noqa: E402, F401, F403
from .reminders import *  # noqa: E402, F401, F403
