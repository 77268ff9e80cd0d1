"""A campaign's coalition: who takes part, and inviting another organisation."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from campaign.models import Campaign

from .. import services
from ..forms import PartnerInviteForm
from ..policy import can, load, requires

by_slug = load(Campaign.objects.select_related("lead", "series"), slug="slug")


def _page(request, campaign, form=None, status=200):
    can_invite = can(request.user, "campaign.invite", campaign)
    return render(
        request,
        "accounts/coalition.html",
        {
            "campaign": campaign,
            "participations": campaign.participations.select_related(
                "organisation", "invited_by"
            ).order_by("status", "organisation__name"),
            "can_invite": can_invite,
            "form": form
            or (PartnerInviteForm(campaign=campaign) if can_invite else None),
        },
        status=status,
    )


@requires("campaign.view", load=by_slug)
def coalition(request, campaign):
    return _page(request, campaign)


@requires("campaign.invite", load=by_slug)
@require_POST
def invite_partner(request, campaign):
    form = PartnerInviteForm(request.POST, campaign=campaign)
    if form.is_valid():
        organisation = form.cleaned_data["organisation"]
        try:
            services.invite_organisation_to_campaign(
                campaign=campaign, organisation=organisation, by=request.user
            )
        except ValidationError as exc:
            form.add_error("organisation", exc)
        else:
            messages.success(
                request,
                f"{organisation.name} is invited; it takes part once it accepts.",
            )
            return redirect("organisations:coalition", slug=campaign.slug)
    return _page(request, campaign, form=form, status=400)
