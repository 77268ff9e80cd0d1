"""Who may do what: every staff view names one action here and nothing else decides."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from .models import Membership, Role


def _has_role(user, *roles: str) -> bool:
    return Membership.objects.active().filter(user=user, role__in=roles).exists()


def _is_member(user) -> bool:
    return Membership.objects.active().filter(user=user).exists()


def _in_coalition(user, campaign, *roles: str) -> bool:
    """An active member (in one of ``roles``, if given) of an accepted participant."""
    memberships = Membership.objects.active().filter(
        user=user,
        organisation__participations__campaign=campaign,
        organisation__participations__status="accepted",
    )
    if roles:
        memberships = memberships.filter(role__in=roles)
    return memberships.exists()


# Everyone in an organisation but its viewers may change the coalition's reads.
_STANCE_EDITORS = (Role.ADMIN, Role.DRAFTER, Role.SIGNATORY, Role.SENDER)


# action -> predicate(user, obj) -> bool
RULES: dict[str, Callable] = {
    "staff.view": lambda user, obj=None: _is_member(user),
    "contacts.manage": lambda user, obj=None: _has_role(
        user, Role.ADMIN, Role.SENDER, Role.DRAFTER
    ),
    "mail.read": lambda user, obj=None: _is_member(user),
    "record.edit": lambda user, obj=None: _has_role(
        user, Role.ADMIN, Role.DRAFTER, Role.SENDER
    ),
    # Stances are private to a campaign's coalition. Without a campaign, the rule
    # answers whether the user could hold the right in some campaign.
    "stances.view": lambda user, obj=None: (
        _is_member(user) if obj is None else _in_coalition(user, obj)
    ),
    "stances.edit": lambda user, obj=None: (
        _has_role(user, *_STANCE_EDITORS)
        if obj is None
        else _in_coalition(user, obj, *_STANCE_EDITORS)
    ),
}


def can(user, action: str, obj=None) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return RULES[action](user, obj)


def requires(action: str):
    """View decorator: sign-in first, then the action's rule, else 403."""
    if action not in RULES:
        raise KeyError(f"unknown action {action!r}")

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not can(request.user, action):
                raise PermissionDenied(f"You may not {action}.")
            return view(request, *args, **kwargs)

        wrapped.required_action = action
        return wrapped

    return decorator
