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
}

# The delivery ledger: counts, attempts and replies (views scope them per campaign).
RULES["deliveries.view"] = lambda user, obj=None: _is_member(user)


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
