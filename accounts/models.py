"""Staff accounts, organisations, roles, invitations, private data, audit trail."""

import datetime
import secrets

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields["is_staff"] = True
        fields["is_superuser"] = True
        return self._create_user(email, password, **fields)


class User(AbstractUser):
    """A person signing in by email; may belong to several organisations."""

    username = None
    email = models.EmailField(_("email address"), unique=True)
    session_epoch = models.PositiveIntegerField(
        default=0, help_text=_("Raised to end every session of this person at once.")
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    # Django ends a session whose stored hash no longer matches; mixing the epoch
    # in lets "sign out everywhere" end them all without touching the password.
    def get_session_auth_hash(self) -> str:
        return self._session_hash(secret=None)

    def get_session_auth_fallback_hash(self):
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret=secret)

    def _session_hash(self, *, secret) -> str:
        return salted_hmac(
            "accounts.User.session",
            f"{self.password}:{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class Organisation(models.Model):
    """An NGO taking part in campaigns."""

    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=40, unique=True)
    slug = models.SlugField(unique=True)
    website = models.URLField(blank=True)
    email = models.EmailField(
        blank=True,
        help_text=_("Where missions' replies to its appeals go (Reply-To)."),
    )
    country = models.CharField(
        max_length=3, blank=True, help_text=_("ISO 3166 alpha-3 code of its seat.")
    )
    logo = models.ImageField(upload_to="logos/", blank=True)
    is_demo = models.BooleanField(
        default=False, help_text=_("A fictional organisation used in the demo.")
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    DRAFTER = "drafter", _("Drafter")
    SIGNATORY = "signatory", _("Signatory")
    SENDER = "sender", _("Sender")
    VIEWER = "viewer", _("Viewer")


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def of(self, organisation: "Organisation"):
        return self.filter(organisation=organisation)

    def with_role(self, role: str):
        return self.filter(role=role)


class Membership(models.Model):
    """A person's role in one organisation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="unique_membership_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.organisation}"


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )


def _invitation_key() -> str:
    return secrets.token_urlsafe(24)


def _invitation_expiry():
    return timezone.now() + datetime.timedelta(days=settings.INVITATION_DAYS)


class Invitation(models.Model):
    """An emailed offer of a role in an organisation: single use, expires."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    # The link's token is an HMAC of this key, so the database alone cannot
    # forge a link; a new key kills every link sent before.
    key = models.CharField(max_length=64, default=_invitation_key)
    invited_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_invitation_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} as {self.get_role_display()} at {self.organisation}"

    def token(self) -> str:
        return salted_hmac(
            "accounts.Invitation", f"{self.pk}:{self.key}", algorithm="sha256"
        ).hexdigest()[:40]

    def token_matches(self, token: str) -> bool:
        return constant_time_compare(self.token(), token)

    @property
    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class NoteQuerySet(models.QuerySet):
    def of(self, organisation: Organisation):
        return self.filter(organisation=organisation)


class Note(models.Model):
    """An organisation's private note about a state or a campaign."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="notes"
    )
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    campaign = models.ForeignKey(
        "campaign.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.ForeignKey(
        "campaign.MemberState",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    author = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = NoteQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title


class ContactList(models.Model):
    """People an organisation keeps in touch with; seen by that organisation only."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="contact_lists"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="unique_contact_list_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """One person on an organisation's contact list."""

    contact_list = models.ForeignKey(
        ContactList, on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(max_length=200)
    email = models.EmailField()
    affiliation = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact_list", "email"], name="unique_contact_email"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class AuditAction(models.TextChoices):
    """What an audit event records; other apps add theirs here."""

    SIGN_IN = "auth.sign_in", _("Signed in")
    SIGN_IN_FAILED = "auth.sign_in_failed", _("Failed sign-in")
    LOCKED_OUT = "auth.locked_out", _("Locked out")
    UNLOCKED = "auth.unlocked", _("Lockout lifted")
    SIGN_OUT = "auth.sign_out", _("Signed out")
    SIGN_OUT_EVERYWHERE = "auth.sign_out_everywhere", _("Signed out everywhere")
    PASSWORD_RESET_REQUESTED = (
        "auth.password_reset_requested",
        _("Password reset requested"),
    )
    PASSWORD_CHANGED = "auth.password_changed", _("Password changed")
    OTP_CONFIRMED = "auth.otp_confirmed", _("Authenticator set up")
    OTP_VERIFIED = "auth.otp_verified", _("One-time password accepted")
    OTP_FAILED = "auth.otp_failed", _("One-time password refused")
    MEMBER_INVITED = "member.invited", _("Invitation sent")
    INVITATION_REVOKED = "member.invitation_revoked", _("Invitation revoked")
    MEMBER_JOINED = "member.joined", _("Invitation accepted")
    ROLE_CHANGED = "member.role_changed", _("Role changed")
    MEMBER_REMOVED = "member.removed", _("Role removed")
    ORGANISATION_CHANGED = "organisation.changed", _("Organisation details changed")
    PARTNER_INVITED = "campaign.partner_invited", _("Organisation invited to campaign")
    CAMPAIGN_JOINED = "campaign.joined", _("Campaign invitation accepted")
    CAMPAIGN_DECLINED = "campaign.declined", _("Campaign invitation declined")
    NOTE_SAVED = "note.saved", _("Note saved")
    NOTE_DELETED = "note.deleted", _("Note deleted")
    CONTACTS_CHANGED = "contacts.changed", _("Contact list changed")
    SIGN_OFF = "letter.sign_off", _("Letter signed off")
    SEND = "appeal.send", _("Appeal sent")
    RECORD_CHANGED = "record.changed", _("UN record changed")


class AuditEventQuerySet(models.QuerySet):
    def of(self, organisation: Organisation):
        return self.filter(organisation=organisation)

    def filtered(self, *, action="", actor=None, since=None, until=None):
        qs = self
        if action:
            qs = qs.filter(action=action)
        if actor is not None:
            qs = qs.filter(actor=actor)
        if since:
            qs = qs.filter(at__date__gte=since)
        if until:
            qs = qs.filter(at__date__lte=until)
        return qs


class AuditEvent(models.Model):
    """Who did what, when, from which address; one row per organisation concerned."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # No choices on purpose: other apps add actions without a migration here.
    action = models.CharField(max_length=64)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_email = models.CharField(max_length=254, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="audit_events",
    )
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["organisation", "-at"], name="audit_org_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_email} {self.action}"

    def get_action_display(self) -> str:
        try:
            return AuditAction(self.action).label
        except ValueError:
            return self.action
