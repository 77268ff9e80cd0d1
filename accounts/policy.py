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


# Joint letters. ``obj`` is a Letter (or a Campaign for "letter.create", a
# CoSigner for answering and signing); without one, a rule asks whether the
# user could do it anywhere, which is what ``requires`` checks before the view
# looks the object up.


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
        return _has_role(user, Role.ADMIN, Role.DRAFTER)
    participants = campaign.participations.filter(status="accepted").values_list(
        "organisation_id", flat=True
    )
    return _member_of(user, participants, Role.ADMIN, Role.DRAFTER)


def _letter_drafter(user, letter=None) -> bool:
    if letter is None:
        return _has_role(user, Role.DRAFTER)
    partners = letter.cosigners.filter(status="accepted").values_list(
        "organisation_id", flat=True
    )
    return _member_of(user, [letter.lead_id, *partners], Role.DRAFTER)


def _letter_manager(user, letter=None) -> bool:
    if letter is None:
        return _has_role(user, Role.ADMIN, Role.DRAFTER)
    return _member_of(user, [letter.lead_id], Role.ADMIN, Role.DRAFTER)


def _cosigner_member(user, cosigner=None, *roles: str) -> bool:
    if cosigner is None:
        return _has_role(user, *roles) if roles else _is_member(user)
    return _member_of(user, [cosigner.organisation_id], *roles)


RULES.update(
    {
        "letter.view": _letter_viewer,
        "letter.comment": _letter_viewer,
        "letter.create": _letter_creator,
        "letter.edit": _letter_drafter,
        "letter.manage": _letter_manager,
        "letter.respond": lambda user, obj=None: _cosigner_member(
            user, obj, Role.ADMIN, Role.DRAFTER, Role.SIGNATORY
        ),
        "letter.sign_off": lambda user, obj=None: _cosigner_member(
            user, obj, Role.SIGNATORY
        ),
    }
)
