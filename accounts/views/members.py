"""An organisation's staff: roles, invitations, lockouts (its admins only)."""

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .. import services
from ..forms import InviteMemberForm, RoleForm
from ..models import Invitation, Membership, Organisation, Role
from ..policy import load, requires

by_slug = load(Organisation, slug="slug")


def _locked_emails(emails) -> set[str]:
    return set(
        AccessAttempt.objects.filter(
            username__in=list(emails),
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
        ).values_list("username", flat=True)
    )


def _page(request, organisation, invite_form=None, status=200):
    memberships = (
        Membership.objects.of(organisation)
        .select_related("user")
        .order_by("user__email", "role")
    )
    return render(
        request,
        "accounts/member_list.html",
        {
            "organisation": organisation,
            "memberships": memberships,
            "locked": _locked_emails(m.user.email for m in memberships),
            "invitations": Invitation.objects.pending()
            .filter(organisation=organisation)
            .select_related("invited_by"),
            "invite_form": invite_form or InviteMemberForm(),
            "roles": Role.choices,
        },
        status=status,
    )


@requires("members.manage", load=by_slug)
def member_list(request, organisation):
    return _page(request, organisation)


@requires("members.manage", load=by_slug)
@require_POST
def invite(request, organisation):
    form = InviteMemberForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invite_member(
                organisation=organisation,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error("email", exc)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("organisations:members", slug=organisation.slug)
    return _page(request, organisation, invite_form=form, status=400)


def _fail_or_done(request, organisation, call, done: str):
    try:
        call()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("organisations:members", slug=organisation.slug)


@requires("members.manage", load=by_slug)
@require_POST
def change_role(request, organisation, pk: int):
    membership = get_object_or_404(Membership.objects.of(organisation), pk=pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles.")
        return redirect("organisations:members", slug=organisation.slug)
    role = form.cleaned_data["role"]
    return _fail_or_done(
        request,
        organisation,
        lambda: services.change_role(membership=membership, role=role, by=request.user),
        f"{membership.user} is now {Role(role).label}.",
    )


@requires("members.manage", load=by_slug)
@require_POST
def remove_member(request, organisation, pk: int):
    membership = get_object_or_404(Membership.objects.of(organisation), pk=pk)
    return _fail_or_done(
        request,
        organisation,
        lambda: services.remove_membership(membership=membership, by=request.user),
        f"{membership.user} is no longer {membership.get_role_display()}.",
    )


@requires("members.manage", load=by_slug)
@require_POST
def unlock(request, organisation, pk: int):
    membership = get_object_or_404(Membership.objects.of(organisation), pk=pk)
    return _fail_or_done(
        request,
        organisation,
        lambda: services.unlock_member(
            organisation=organisation, user=membership.user, by=request.user
        ),
        f"{membership.user} may sign in again.",
    )


@requires("members.manage", load=by_slug)
@require_POST
def revoke_invitation(request, organisation, pk: int):
    invitation = get_object_or_404(
        Invitation.objects.filter(organisation=organisation), pk=pk
    )
    return _fail_or_done(
        request,
        organisation,
        lambda: services.revoke_invitation(invitation=invitation, by=request.user),
        f"The invitation to {invitation.email} no longer works.",
    )
