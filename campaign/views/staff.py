"""Staff screens: campaign dashboards and the missions' contacts."""

import datetime
import io

from django.contrib import messages
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.policy import load, requires
from campaign import services
from campaign.exports import write_contacts
from campaign.forms import CSVUploadForm
from campaign.imports import ImportFailed
from campaign.models import Ballot, Campaign, Mission, MissionContact, Participation


def _campaigns_for(user):
    qs = Campaign.objects.select_related("series", "lead")
    if user.is_superuser:
        return qs
    return qs.filter(
        participations__organisation__memberships__user=user,
        participations__organisation__memberships__is_active=True,
        participations__status=Participation.Status.ACCEPTED,
    ).distinct()


@requires("staff.view")
def dashboard_index(request):
    return render(
        request,
        "campaign/staff/dashboard_index.html",
        {"campaigns": _campaigns_for(request.user)},
    )


@requires(
    "campaign.view",
    load=load(Campaign.objects.select_related("series", "lead"), slug="slug"),
)
def dashboard(request, campaign):
    today = timezone.localdate()
    ballots = (
        Ballot.objects.filter(
            document__series=campaign.series, document__session=campaign.session
        )
        .select_related("document")
        .order_by("date")
    )
    upcoming = [
        (ballot, (ballot.date - today).days)
        for ballot in ballots
        if ballot.date >= today
    ]
    return render(
        request,
        "campaign/staff/dashboard.html",
        {
            "campaign": campaign,
            "ballots": ballots,
            "upcoming": upcoming,
            "participations": campaign.participations.select_related("organisation"),
            "stances": campaign.stances.select_related("state", "owner_organisation"),
            "today": today,
        },
    )


@requires("contacts.manage")
def mission_list(request):
    missions = Mission.objects.select_related("state").annotate(
        contact_count=Count("contacts")
    )
    return render(request, "campaign/staff/mission_list.html", {"missions": missions})


@requires("contacts.manage")
def contacts_import(request):
    form = CSVUploadForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            report = services.import_mission_contacts(data=form.cleaned_data["file"])
        except ImportFailed as exc:
            errors = exc.errors
        else:
            messages.success(
                request,
                f"Contacts imported: {report.created} new, {report.updated} updated, "
                f"{report.unchanged} unchanged.",
            )
            return redirect("campaign:mission_list")
    return render(
        request,
        "campaign/staff/contacts_import.html",
        {"form": form, "errors": errors},
        status=400 if errors else 200,
    )


@requires("contacts.manage")
def contacts_export(request):
    out = io.StringIO()
    write_contacts(
        out, MissionContact.objects.select_related("mission__state").order_by("pk")
    )
    stamp = datetime.date.today().isoformat()
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="contacts-{stamp}.csv"'
    return response
