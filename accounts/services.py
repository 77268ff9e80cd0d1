"""Writes with side effects for accounts, organisations, coalitions and the audit."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from campaign.models import Campaign, MemberState, Participation

from .models import (
    AuditAction,
    AuditEvent,
    Contact,
    ContactList,
    Invitation,
    Membership,
    Note,
    Organisation,
    Role,
    User,
)
from .origin import Origin, current_origin


class InvitationInvalid(Exception):
    """The invitation was used, revoked or has expired."""


# --- Audit -------------------------------------------------------------------


def record_audit_event(
    *,
    action: str,
    actor: User | None = None,
    organisation: Organisation | None = None,
    organisations: Iterable[Organisation] | None = None,
    target=None,
    data: dict | None = None,
    actor_email: str = "",
    origin: Origin | None = None,
) -> list[AuditEvent]:
    """Log who did what, one row per organisation concerned (or one with none).

    The address and user agent come from the request being served unless
    ``origin`` is given; in a task or a command there are none.
    """
    origin = origin or current_origin()
    orgs = list(organisations) if organisations is not None else [organisation]
    if not orgs:
        orgs = [None]
    common = {
        "action": action,
        "actor": actor if actor is not None and actor.pk else None,
        "actor_email": actor_email or (actor.email if actor is not None else ""),
        "target_type": target._meta.label if target is not None else "",
        "target_id": str(target.pk) if target is not None else "",
        "target_repr": str(target)[:300] if target is not None else "",
        "ip_address": origin.ip_address,
        "user_agent": origin.user_agent,
        "data": data or {},
        "at": timezone.now(),
    }
    return AuditEvent.objects.bulk_create(
        [AuditEvent(organisation=org, **common) for org in orgs]
    )


def record_staff_change(*, action: str, by: User | None, target=None, data=None):
    """Log a change made by staff in the log of each organisation they act for."""
    organisations = _organisations_of(by) if by is not None and by.pk else []
    return record_audit_event(
        action=action, actor=by, organisations=organisations, target=target, data=data
    )


def _organisations_of(user: User) -> list[Organisation]:
    return list(
        Organisation.objects.filter(
            memberships__user=user, memberships__is_active=True
        ).distinct()
    )


def record_sign_in(*, user: User) -> None:
    record_audit_event(
        action=AuditAction.SIGN_IN, actor=user, organisations=_organisations_of(user)
    )


def record_sign_out(*, user: User) -> None:
    record_audit_event(
        action=AuditAction.SIGN_OUT, actor=user, organisations=_organisations_of(user)
    )


def record_failed_sign_in(*, email: str, locked_out: bool = False) -> None:
    """A failed or refused sign-in, filed with the tried account's organisations."""
    email = (email or "").strip().lower()[:254]
    user = User.objects.filter(email__iexact=email).first() if email else None
    record_audit_event(
        action=AuditAction.LOCKED_OUT if locked_out else AuditAction.SIGN_IN_FAILED,
        actor=user,
        actor_email=email,
        organisations=_organisations_of(user) if user else None,
    )


# --- Mail ----------------------------------------------------------------------


def _send(
    *, template: str, context: dict, to: list[str], subject: str, key: str
) -> None:
    """Queue the mail in the delivery ledger, in the caller's transaction."""
    from letters import outgoing

    context = {"site_url": settings.SITE_URL, **context}
    outgoing.deliver(
        kind=f"account:{template}",
        recipients=to,
        subject=subject,
        text=render_to_string(f"accounts/emails/{template}.txt", context),
        html=render_to_string(f"accounts/emails/{template}.html", context),
        key=key,
    )


# --- Members and invitations --------------------------------------------------


def _admins(organisation: Organisation):
    return Membership.objects.active().of(organisation).with_role(Role.ADMIN)


def invite_member(
    *, organisation: Organisation, email: str, role: str, by: User
) -> Invitation:
    """Invite someone by email to hold a role; a repeat invitation gets a fresh link."""
    email = User.objects.normalize_email(email).strip().lower()
    if role not in Role.values:
        raise ValidationError(f"Unknown role {role!r}.")
    if (
        Membership.objects.active()
        .of(organisation)
        .filter(user__email__iexact=email, role=role)
        .exists()
    ):
        raise ValidationError(f"{email} is already {Role(role).label} here.")
    with transaction.atomic():
        invitation = (
            Invitation.objects.pending()
            .filter(organisation=organisation, email__iexact=email, role=role)
            .first()
        )
        if invitation is None:
            invitation = Invitation.objects.create(
                organisation=organisation, email=email, role=role, invited_by=by
            )
        else:
            invitation.key = Invitation._meta.get_field("key").get_default()
            invitation.expires_at = Invitation._meta.get_field(
                "expires_at"
            ).get_default()
            invitation.invited_by = by
            invitation.save(update_fields=["key", "expires_at", "invited_by"])
        record_audit_event(
            action=AuditAction.MEMBER_INVITED,
            actor=by,
            organisation=organisation,
            target=invitation,
            data={"email": email, "role": role},
        )
        send_invitation_email(invitation_id=invitation.pk)
    return invitation


def send_invitation_email(*, invitation_id: int) -> bool:
    invitation = (
        Invitation.objects.pending()
        .select_related("organisation", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None:
        return False
    link = settings.SITE_URL + reverse(
        "accounts:invitation", args=[invitation.pk, invitation.token()]
    )
    _send(
        template="invitation",
        subject=f"Join {invitation.organisation.short_name} on UN Vote Campaigns",
        to=[invitation.email],
        # A new key is made each time the invitation is sent again.
        key=f"invitation:{invitation.pk}:{invitation.key}",
        context={
            "invitation": invitation,
            "link": link,
            "has_account": User.objects.filter(email__iexact=invitation.email).exists(),
        },
    )
    return True


def revoke_invitation(*, invitation: Invitation, by: User) -> None:
    if invitation.revoked_at or invitation.accepted_at:
        return
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    record_audit_event(
        action=AuditAction.INVITATION_REVOKED,
        actor=by,
        organisation=invitation.organisation,
        target=invitation,
        data={"email": invitation.email, "role": invitation.role},
    )


@transaction.atomic
def accept_invitation(
    *,
    invitation: Invitation,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
) -> User:
    """Use the invitation once: create the account if needed and add the role.

    ``password`` sets a new account's password; an existing account keeps its own
    (the form has checked it).
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise InvitationInvalid("This invitation has been used, revoked or expired.")
    user = User.objects.filter(email__iexact=invitation.email).first()
    if user is None:
        if not password:
            raise ValidationError("Choose a password.")
        user = User.objects.create_user(
            invitation.email, password, first_name=first_name, last_name=last_name
        )
    membership, created = Membership.objects.get_or_create(
        user=user,
        organisation=invitation.organisation,
        role=invitation.role,
        defaults={"is_active": True},
    )
    if not created and not membership.is_active:
        membership.is_active = True
        membership.save(update_fields=["is_active"])
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    record_audit_event(
        action=AuditAction.MEMBER_JOINED,
        actor=user,
        organisation=invitation.organisation,
        target=membership,
        data={"role": invitation.role, "invitation": invitation.pk},
    )
    return user


def _ensure_an_admin_remains(membership: Membership) -> None:
    if (
        membership.role == Role.ADMIN
        and not _admins(membership.organisation).exclude(pk=membership.pk).exists()
    ):
        raise ValidationError(
            "An organisation needs at least one admin: appoint another first."
        )


@transaction.atomic
def change_role(*, membership: Membership, role: str, by: User) -> Membership:
    if role not in Role.values:
        raise ValidationError(f"Unknown role {role!r}.")
    if role == membership.role:
        return membership
    if (
        Membership.objects.of(membership.organisation)
        .filter(user=membership.user, role=role)
        .exists()
    ):
        raise ValidationError(f"{membership.user} already holds that role.")
    _ensure_an_admin_remains(membership)
    previous = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    record_audit_event(
        action=AuditAction.ROLE_CHANGED,
        actor=by,
        organisation=membership.organisation,
        target=membership.user,
        data={"from": previous, "to": role},
    )
    return membership


@transaction.atomic
def remove_membership(*, membership: Membership, by: User) -> None:
    _ensure_an_admin_remains(membership)
    membership.delete()
    record_audit_event(
        action=AuditAction.MEMBER_REMOVED,
        actor=by,
        organisation=membership.organisation,
        target=membership.user,
        data={"role": membership.role},
    )


def unlock_member(*, organisation: Organisation, user: User, by: User) -> int:
    """Lift a sign-in lockout of one of the organisation's people."""
    removed = axes_reset(username=user.email)
    record_audit_event(
        action=AuditAction.UNLOCKED,
        actor=by,
        organisation=organisation,
        target=user,
        data={"attempts_cleared": removed},
    )
    return removed


def update_organisation(
    *, organisation: Organisation, changes: dict, by: User
) -> Organisation:
    fields = {name: organisation._meta.get_field(name) for name in changes}
    changed = [
        name
        for name, field in fields.items()
        if field.value_from_object(organisation) != changes[name]
    ]
    if not changed:
        return organisation
    for name in changed:
        # save_form_data knows a cleared file from a new one.
        fields[name].save_form_data(organisation, changes[name])
    organisation.save()
    record_audit_event(
        action=AuditAction.ORGANISATION_CHANGED,
        actor=by,
        organisation=organisation,
        target=organisation,
        data={"fields": changed},
    )
    return organisation


# --- Coalitions ------------------------------------------------------------------


@transaction.atomic
def invite_organisation_to_campaign(
    *, campaign: Campaign, organisation: Organisation, by: User
) -> Participation:
    """A participant invites another organisation; it takes part once it accepts."""
    participation = (
        Participation.objects.select_for_update()
        .filter(campaign=campaign, organisation=organisation)
        .first()
    )
    if participation is not None and participation.status in (
        Participation.Status.ACCEPTED,
        Participation.Status.INVITED,
    ):
        raise ValidationError(
            f"{organisation.name} is already "
            f"{participation.get_status_display().lower()}."
        )
    if participation is None:
        participation = Participation(campaign=campaign, organisation=organisation)
    participation.status = Participation.Status.INVITED
    participation.invited_by = by
    participation.save()
    inviting = Organisation.objects.filter(
        participations__campaign=campaign,
        participations__status=Participation.Status.ACCEPTED,
        memberships__user=by,
        memberships__is_active=True,
    ).distinct()
    record_audit_event(
        action=AuditAction.PARTNER_INVITED,
        actor=by,
        organisations=[*inviting, organisation],
        target=campaign,
        data={"organisation": organisation.short_name},
    )
    send_campaign_invitation_email(participation_id=participation.pk)
    return participation


def send_campaign_invitation_email(*, participation_id: int) -> bool:
    participation = (
        Participation.objects.select_related("campaign", "organisation", "invited_by")
        .filter(pk=participation_id, status=Participation.Status.INVITED)
        .first()
    )
    if participation is None:
        return False
    to = list(_admins(participation.organisation).values_list("user__email", flat=True))
    if not to:
        return False
    link = settings.SITE_URL + reverse(
        "organisations:detail", args=[participation.organisation.slug]
    )
    _send(
        template="campaign_invitation",
        subject=f"Invitation to join the campaign “{participation.campaign.title}”",
        to=to,
        key=f"campaign-invitation:{participation.pk}:{uuid.uuid4()}",
        context={"participation": participation, "link": link},
    )
    return True


@transaction.atomic
def respond_to_campaign_invitation(
    *, participation: Participation, accept: bool, by: User
) -> Participation:
    participation = Participation.objects.select_for_update().get(pk=participation.pk)
    if participation.status != Participation.Status.INVITED:
        raise ValidationError("There is no open invitation to answer.")
    participation.status = (
        Participation.Status.ACCEPTED if accept else Participation.Status.DECLINED
    )
    participation.save(update_fields=["status"])
    record_audit_event(
        action=AuditAction.CAMPAIGN_JOINED if accept else AuditAction.CAMPAIGN_DECLINED,
        actor=by,
        organisations=Organisation.objects.filter(
            participations__campaign=participation.campaign,
            participations__status=Participation.Status.ACCEPTED,
        ).distinct()
        if accept
        else [participation.organisation],
        target=participation.campaign,
        data={"organisation": participation.organisation.short_name},
    )
    return participation


# --- Private data: notes and contact lists ---------------------------------------


def save_note(
    *,
    organisation: Organisation,
    by: User,
    title: str,
    body: str = "",
    campaign: Campaign | None = None,
    state: MemberState | None = None,
    note: Note | None = None,
) -> Note:
    if note is None:
        note = Note(organisation=organisation, author=by)
    elif note.organisation_id != organisation.pk:
        raise ValidationError("That note belongs to another organisation.")
    note.title, note.body, note.campaign, note.state = title, body, campaign, state
    note.save()
    record_audit_event(
        action=AuditAction.NOTE_SAVED, actor=by, organisation=organisation, target=note
    )
    return note


def delete_note(*, note: Note, by: User) -> None:
    record_audit_event(
        action=AuditAction.NOTE_DELETED,
        actor=by,
        organisation=note.organisation,
        target=note,
    )
    note.delete()


def create_contact_list(
    *, organisation: Organisation, name: str, description: str = "", by: User
) -> ContactList:
    if ContactList.objects.filter(organisation=organisation, name=name).exists():
        raise ValidationError(f"There is already a list called {name!r}.")
    contact_list = ContactList.objects.create(
        organisation=organisation, name=name, description=description
    )
    record_audit_event(
        action=AuditAction.CONTACTS_CHANGED,
        actor=by,
        organisation=organisation,
        target=contact_list,
        data={"change": "created"},
    )
    return contact_list


def add_contact(
    *,
    contact_list: ContactList,
    name: str,
    email: str,
    affiliation: str = "",
    notes: str = "",
    by: User,
) -> Contact:
    email = email.strip().lower()
    if contact_list.contacts.filter(email__iexact=email).exists():
        raise ValidationError(f"{email} is already on this list.")
    contact = Contact.objects.create(
        contact_list=contact_list,
        name=name,
        email=email,
        affiliation=affiliation,
        notes=notes,
    )
    record_audit_event(
        action=AuditAction.CONTACTS_CHANGED,
        actor=by,
        organisation=contact_list.organisation,
        target=contact_list,
        data={"change": "added", "email": email},
    )
    return contact


def remove_contact(*, contact: Contact, by: User) -> None:
    contact_list = contact.contact_list
    contact.delete()
    record_audit_event(
        action=AuditAction.CONTACTS_CHANGED,
        actor=by,
        organisation=contact_list.organisation,
        target=contact_list,
        data={"change": "removed", "email": contact.email},
    )


# --- Sessions, passwords and one-time passwords -----------------------------------


def sign_out_everywhere(*, user: User) -> None:
    """End every session of this person, on every device, this one included."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    record_audit_event(
        action=AuditAction.SIGN_OUT_EVERYWHERE,
        actor=user,
        organisations=_organisations_of(user),
    )


def request_password_reset(*, email: str) -> None:
    """Mail a reset link if the address is an active account's; say nothing else."""
    for user in User.objects.filter(email__iexact=email.strip(), is_active=True):
        if not user.has_usable_password():
            continue
        record_audit_event(
            action=AuditAction.PASSWORD_RESET_REQUESTED,
            actor=user,
            organisations=_organisations_of(user),
        )
        send_password_reset_email(user_id=user.pk)


def send_password_reset_email(*, user_id: int) -> bool:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    token = default_token_generator.make_token(user)
    link = settings.SITE_URL + reverse(
        "accounts:password_reset_confirm",
        args=[urlsafe_base64_encode(force_bytes(user.pk)), token],
    )
    _send(
        template="password_reset",
        subject="Reset your password for UN Vote Campaigns",
        to=[user.email],
        key=f"password-reset:{user.pk}:{token}",
        context={"user": user, "link": link},
    )
    return True


def record_password_changed(*, user: User, reset: bool = False) -> None:
    """Log a new password; after a reset by email, lift any sign-in lockout too."""
    if reset:
        axes_reset(username=user.email)
    record_audit_event(
        action=AuditAction.PASSWORD_CHANGED,
        actor=user,
        organisations=_organisations_of(user),
    )


def start_otp_setup(*, user: User) -> TOTPDevice:
    """The person's unconfirmed authenticator, made on first need."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name="Authenticator app", confirmed=False
        )
    return device


def confirm_otp_device(*, device: TOTPDevice, token: str) -> bool:
    """Confirm a new authenticator with its first code; earlier ones are retired."""
    if not device.verify_token(token):
        record_audit_event(
            action=AuditAction.OTP_FAILED,
            actor=device.user,
            organisations=_organisations_of(device.user),
        )
        return False
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        record_audit_event(
            action=AuditAction.OTP_CONFIRMED,
            actor=device.user,
            organisations=_organisations_of(device.user),
        )
    return True


def verify_otp(*, user: User, token: str) -> TOTPDevice | None:
    """The confirmed device that accepts the code, or None (logged as refused)."""
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(token):
            record_audit_event(
                action=AuditAction.OTP_VERIFIED,
                actor=user,
                organisations=_organisations_of(user),
            )
            return device
    record_audit_event(
        action=AuditAction.OTP_FAILED, actor=user, organisations=_organisations_of(user)
    )
    return None
