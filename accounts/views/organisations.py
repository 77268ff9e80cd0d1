"""An organisation's own pages: the list of yours, its profile, campaign invitations."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from campaign.models import Participation

from .. import services
from ..forms import OrganisationForm
from ..models import Organisation
from ..policy import can, load, membership_roles, requires

by_slug = load(Organisation, slug="slug")


@requires("staff.view")
def organisation_list(request):
    organisations = Organisation.objects.filter(
        memberships__user=request.user, memberships__is_active=True
    ).distinct()
    rows = [(org, sorted(membership_roles(request.user, org))) for org in organisations]
    return render(request, "accounts/organisation_list.html", {"rows": rows})


@requires("organisation.view", load=by_slug)
def organisation_detail(request, organisation):
    participations = Participation.objects.filter(
        organisation=organisation
    ).select_related("campaign", "invited_by")
    return render(
        request,
        "accounts/organisation_detail.html",
        {
            "organisation": organisation,
            "participations": participations,
            "roles": sorted(membership_roles(request.user, organisation)),
            "can_manage": can(request.user, "members.manage", organisation),
            "can_respond": can(request.user, "campaign.respond", organisation),
        },
    )


@requires("organisation.edit", load=by_slug)
def organisation_edit(request, organisation):
    original = Organisation.objects.get(pk=organisation.pk)
    form = OrganisationForm(
        request.POST or None, request.FILES or None, instance=organisation
    )
    if request.method == "POST" and form.is_valid():
        services.update_organisation(
            organisation=original, changes=form.cleaned_data, by=request.user
        )
        messages.success(request, "Organisation details saved.")
        return redirect("organisations:detail", slug=original.slug)
    return render(
        request,
        "accounts/organisation_form.html",
        {"organisation": original, "form": form},
        status=400 if form.errors else 200,
    )


@requires(
    "campaign.respond",
    load=load(
        Participation.objects.select_related("campaign", "organisation"),
        organisation__slug="slug",
        campaign__slug="campaign",
    ),
)
@require_POST
def respond_to_campaign(request, participation):
    accept = request.POST.get("answer") == "accept"
    try:
        services.respond_to_campaign_invitation(
            participation=participation, accept=accept, by=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        verb = "joined" if accept else "declined"
        messages.success(request, f"You {verb} “{participation.campaign.title}”.")
    return redirect("organisations:detail", slug=participation.organisation.slug)
