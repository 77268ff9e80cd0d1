"""Accepting an invitation to an organisation (public: the link is the key)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from .. import services
from ..forms import ExistingAccountForm, NewAccountForm
from ..models import Invitation, User


def accept(request, pk: int, token: str):
    invitation = Invitation.objects.select_related("organisation").filter(pk=pk).first()
    if invitation is None or not invitation.token_matches(token):
        raise Http404("No such invitation.")
    if not invitation.is_pending:
        return render(
            request,
            "accounts/invitation_invalid.html",
            {"invitation": invitation},
            status=410,
        )
    has_account = User.objects.filter(email__iexact=invitation.email).exists()
    if has_account:
        form = ExistingAccountForm(
            request.POST or None, email=invitation.email, request=request
        )
    else:
        form = NewAccountForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            services.accept_invitation(
                invitation=invitation,
                password=form.cleaned_data.get("password1"),
                first_name=form.cleaned_data.get("first_name", ""),
                last_name=form.cleaned_data.get("last_name", ""),
            )
        except services.InvitationInvalid:
            return render(
                request,
                "accounts/invitation_invalid.html",
                {"invitation": invitation},
                status=410,
            )
        messages.success(
            request,
            f"You are now {invitation.get_role_display()} at "
            f"{invitation.organisation.name}. Sign in to continue.",
        )
        query = urlencode({"email": invitation.email})
        return redirect(f"{reverse('accounts:login')}?{query}")
    return render(
        request,
        "accounts/invitation_accept.html",
        {"invitation": invitation, "form": form, "has_account": has_account},
        status=400 if request.method == "POST" else 200,
    )
