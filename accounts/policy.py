"""Who may do what: every staff view names one action here and nothing else decides."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from .models import Membership, Organisation, Role

EDITING_ROLES = frozenset({Role.ADMIN, Role.DRAFTER, Role.SIGNATORY, Role.SENDER})
CONTACT_ROLES = frozenset({Role.ADMIN, Role.DRAFTER, Role.SENDER})
OTP_ROLES = frozenset({Role.ADMIN, Role.SIGNATORY})


# --- What the rules are made of ---------------------------------------------


def _roles_by_organisation(user) -> dict[int, frozenset[str]]:
    """Every active role the user holds, by organisation id; one query per request."""
    cached = getattr(user, "_policy_roles", None)
    if cached is None:
        found: dict[int, set[str]] = {}
        for org_id, role in (
            Membership.objects.active()
            .filter(user=user)
            .values_list("organisation_id", "role")
        ):
            found.setdefault(org_id, set()).add(role)
        cached = {org_id: frozenset(roles) for org_id, roles in found.items()}
        user._policy_roles = cached
    return cached


def _accepted_campaigns(user) -> dict[int, frozenset[int]]:
    """Campaign id -> ids of the user's organisations taking part (accepted)."""
    cached = getattr(user, "_policy_campaigns", None)
    if cached is None:
        from campaign.models import Participation

        found: dict[int, set[int]] = {}
        rows = Participation.objects.filter(
            organisation_id__in=_roles_by_organisation(user),
            status=Participation.Status.ACCEPTED,
        ).values_list("campaign_id", "organisation_id")
        for campaign_id, org_id in rows:
            found.setdefault(campaign_id, set()).add(org_id)
        cached = {c: frozenset(orgs) for c, orgs in found.items()}
        user._policy_campaigns = cached
    return cached


def organisation_of(obj) -> Organisation | None:
    """The organisation that owns obj (an organisation, or anything pointing to one)."""
    if obj is None or isinstance(obj, Organisation):
        return obj
    if hasattr(obj, "organisation"):
        return obj.organisation
    if hasattr(obj, "contact_list"):
        return obj.contact_list.organisation
    raise TypeError(f"{obj!r} belongs to no organisation")


def membership_roles(user, organisation) -> frozenset[str]:
    """The roles the user holds in the organisation (empty when none)."""
    if not user.is_authenticated or organisation is None:
        return frozenset()
    return _roles_by_organisation(user).get(organisation.pk, frozenset())


def any_roles(user) -> frozenset[str]:
    """Every role the user holds in any organisation."""
    if not user.is_authenticated:
        return frozenset()
    return frozenset().union(*_roles_by_organisation(user).values())


def is_member(user, obj) -> bool:
    return bool(membership_roles(user, organisation_of(obj)))


def participates(user, campaign) -> bool:
    """True when one of the user's organisations has joined the campaign."""
    return user.is_authenticated and campaign.pk in _accepted_campaigns(user)


def campaign_roles(user, campaign) -> frozenset[str]:
    """The roles the user holds in the organisations taking part in the campaign."""
    if not participates(user, campaign):
        return frozenset()
    by_org = _roles_by_organisation(user)
    return frozenset().union(
        *(by_org[org_id] for org_id in _accepted_campaigns(user)[campaign.pk])
    )


def otp_required(user) -> bool:
    """Admins and signatories must pass a one-time password to use staff pages."""
    if not settings.OTP_REQUIRED or not user.is_authenticated:
        return False
    return bool(any_roles(user) & OTP_ROLES)


def otp_pending(user) -> bool:
    return otp_required(user) and not user.is_verified()


def forget(user) -> None:
    """Drop what this user object remembers, after memberships change."""
    for name in ("_policy_roles", "_policy_campaigns"):
        if hasattr(user, name):
            delattr(user, name)


def _has_org_role(*roles: str) -> Callable[[Any, Any], bool]:
    wanted = frozenset(roles)
    return lambda user, obj: bool(membership_roles(user, organisation_of(obj)) & wanted)


def _has_any_role(*roles: str) -> Callable[[Any, Any], bool]:
    wanted = frozenset(roles)
    return lambda user, obj=None: bool(any_roles(user) & wanted)


def _campaign_role(*roles: str) -> Callable[[Any, Any], bool]:
    wanted = frozenset(roles)
    return lambda user, campaign: bool(campaign_roles(user, campaign) & wanted)


# --- The rules ---------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """allows: may the user do it. sees: may the user know the object exists
    (when not, the answer is 404 rather than 403). None: anyone signed in."""

    allows: Callable[[Any, Any], bool]
    sees: Callable[[Any, Any], bool] | None = None


_member = Rule(allows=is_member, sees=is_member)
_signed_in = Rule(allows=lambda user, obj=None: True)

RULES: dict[str, Rule] = {
    # Site-wide staff screens (no object).
    "staff.view": Rule(allows=lambda user, obj=None: bool(any_roles(user))),
    "contacts.manage": Rule(allows=_has_any_role(*CONTACT_ROLES)),
    "mail.read": Rule(allows=lambda user, obj=None: bool(any_roles(user))),
    "record.edit": Rule(allows=_has_any_role(Role.ADMIN, Role.DRAFTER, Role.SENDER)),
    # The signed-in person's own account.
    "account.self": _signed_in,
    # One organisation's own pages; obj is the organisation or something it owns.
    "organisation.view": _member,
    "organisation.edit": Rule(allows=_has_org_role(Role.ADMIN), sees=is_member),
    "members.manage": Rule(allows=_has_org_role(Role.ADMIN), sees=is_member),
    "audit.read": Rule(allows=_has_org_role(Role.ADMIN), sees=is_member),
    "notes.view": _member,
    "notes.edit": Rule(allows=_has_org_role(*EDITING_ROLES), sees=is_member),
    "contact_lists.view": _member,
    "contact_lists.manage": Rule(allows=_has_org_role(*CONTACT_ROLES), sees=is_member),
    # A campaign's shared pages; obj is the campaign.
    "campaign.view": Rule(allows=participates, sees=participates),
    "campaign.invite": Rule(allows=_campaign_role(Role.ADMIN), sees=participates),
    # Stances are private to a campaign's coalition; viewers read, others edit.
    "stances.view": Rule(allows=participates, sees=participates),
    "stances.edit": Rule(allows=_campaign_role(*EDITING_ROLES), sees=participates),
    # Answering a campaign's invitation; obj is the organisation's participation.
    "campaign.respond": Rule(allows=_has_org_role(Role.ADMIN), sees=is_member),
}

# Reminders (obj: the campaign) and alerts.
_REMINDER_ROLES = frozenset({Role.ADMIN, Role.SENDER, Role.DRAFTER})
RULES["reminders.manage"] = Rule(
    allows=lambda user, obj=None: bool(
        (any_roles(user) if obj is None else campaign_roles(user, obj))
        & _REMINDER_ROLES
    ),
    sees=lambda user, obj=None: obj is None or participates(user, obj),
)
RULES["alerts.follow"] = Rule(allows=lambda user, obj=None: bool(any_roles(user)))

# The delivery ledger: counts, attempts and replies (views scope them per campaign).
RULES["deliveries.view"] = Rule(allows=lambda user, obj=None: bool(any_roles(user)))


def _active(user) -> bool:
    return user.is_authenticated and user.is_active


def can(user, action: str, obj=None) -> bool:
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    return RULES[action].allows(user, obj)


def sees(user, action: str, obj=None) -> bool:
    if not _active(user):
        return False
    rule = RULES[action]
    return user.is_superuser or rule.sees is None or rule.sees(user, obj)


def authorize(user, action: str, obj=None) -> None:
    """404 when the user may not know obj exists, 403 when they may not act on it."""
    if not sees(user, action, obj):
        raise Http404("No such page.")
    if not can(user, action, obj):
        raise PermissionDenied(f"You may not {action}.")


# --- Declaring it on views -----------------------------------------------------


def load(source, **lookups: str):
    """Loader for @requires: model field -> URL keyword, e.g. load(Note, pk="pk").

    The URL keywords it uses are replaced by the loaded object, passed to the view
    as its second argument; a missing object is a 404 for everyone.
    """
    queryset = source if isinstance(source, QuerySet) else source._default_manager.all()

    def loader(kwargs: dict) -> tuple[Model, dict]:
        wanted = {field: kwargs[name] for field, name in lookups.items()}
        obj = queryset.filter(**wanted).first()
        if obj is None:
            raise Http404("No such page.")
        rest = {k: v for k, v in kwargs.items() if k not in lookups.values()}
        return obj, rest

    loader.lookups = lookups
    return loader


def otp_url(user, next_url: str) -> str:
    from django_otp import user_has_device

    name = "accounts:otp_verify" if user_has_device(user) else "accounts:otp_setup"
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def requires(action: str, *, load: Callable | None = None, otp: bool = True):
    """View decorator: sign-in, then one-time password where required, then the rule.

    The view carries ``required_action`` so the URL matrix test can find it.
    """
    if action not in RULES:
        raise KeyError(f"unknown action {action!r}")

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if otp and otp_pending(user):
                return redirect(otp_url(user, request.get_full_path()))
            if load is None:
                authorize(user, action)
                return view(request, *args, **kwargs)
            obj, rest = load(kwargs)
            authorize(user, action, obj)
            return view(request, obj, *args, **rest)

        wrapped.required_action = action
        return wrapped

    return decorator


# Joint letters. ``obj`` is a Letter (or a Campaign for "letter.create", a
# CoSigner for answering and signing). Without one (what ``requires`` asks before
# the view looks the object up) any member passes, so that the view's check on
# the object answers 404 to outsiders and 403 to partners without the role.


def _is_member(user) -> bool:
    return bool(any_roles(user))


def _member_of(user, organisation_ids, *roles: str) -> bool:
    memberships = Membership.objects.active().filter(
        user=user, organisation_id__in=organisation_ids
    )
    if roles:
        memberships = memberships.filter(role__in=roles)
    return memberships.exists()


def _letter_viewer(user, letter=None) -> bool:
    if letter is None:
        return _is_member(user)
    participants = letter.campaign.participations.filter(status="accepted").values_list(
        "organisation_id", flat=True
    )
    cosigners = letter.cosigners.values_list("organisation_id", flat=True)
    return _member_of(user, [*participants, *cosigners])


def _letter_creator(user, campaign=None) -> bool:
    if campaign is None:
        return _is_member(user)
    participants = campaign.participations.filter(status="accepted").values_list(
        "organisation_id", flat=True
    )
    return _member_of(user, participants, Role.ADMIN, Role.DRAFTER)


def _letter_drafter(user, letter=None) -> bool:
    if letter is None:
        return _is_member(user)
    partners = letter.cosigners.filter(status="accepted").values_list(
        "organisation_id", flat=True
    )
    return _member_of(user, [letter.lead_id, *partners], Role.DRAFTER)


def _letter_manager(user, letter=None) -> bool:
    if letter is None:
        return _is_member(user)
    return _member_of(user, [letter.lead_id], Role.ADMIN, Role.DRAFTER)


def _cosigner_member(user, cosigner=None, *roles: str) -> bool:
    if cosigner is None:
        return _is_member(user)
    return _member_of(user, [cosigner.organisation_id], *roles)


RULES.update(
    {
        "letter.view": Rule(allows=_letter_viewer),
        "letter.comment": Rule(allows=_letter_viewer),
        "letter.create": Rule(allows=_letter_creator),
        "letter.edit": Rule(allows=_letter_drafter),
        "letter.manage": Rule(allows=_letter_manager),
        "letter.respond": Rule(
            allows=lambda user, obj=None: _cosigner_member(
                user, obj, Role.ADMIN, Role.DRAFTER, Role.SIGNATORY
            )
        ),
        "letter.sign_off": Rule(
            allows=lambda user, obj=None: _cosigner_member(user, obj, Role.SIGNATORY)
        ),
    }
)


# Appeals. ``obj`` is a Campaign (the list, a new appeal) or an Appeal. The
# coalition sees them; senders and admins of the organisation leading the letter
# (for a new appeal: of the campaign's lead or of any letter's lead) send them.

_APPEAL_ROLES = frozenset({Role.ADMIN, Role.SENDER})


def _appeal_campaign(obj):
    return getattr(obj, "campaign", obj)


def _appeal_viewer(user, obj=None) -> bool:
    if obj is None:
        return _is_member(user)
    return participates(user, _appeal_campaign(obj))


def _appeal_sender(user, obj=None) -> bool:
    if obj is None:
        return bool(any_roles(user) & _APPEAL_ROLES)
    if hasattr(obj, "letter"):
        leads = {obj.letter.lead_id}
    else:
        leads = {obj.lead_id, *obj.letters.values_list("lead_id", flat=True)}
    return participates(user, _appeal_campaign(obj)) and any(
        membership_roles_by_id(user, lead) & _APPEAL_ROLES for lead in leads
    )


def membership_roles_by_id(user, organisation_id: int) -> frozenset[str]:
    if not user.is_authenticated:
        return frozenset()
    return _roles_by_organisation(user).get(organisation_id, frozenset())


RULES["appeal.view"] = Rule(allows=_appeal_viewer, sees=_appeal_viewer)
RULES["appeal.manage"] = Rule(allows=_appeal_sender, sees=_appeal_viewer)
