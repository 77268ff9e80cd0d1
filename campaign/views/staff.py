"""Staff screens: the missions and their contacts."""

import datetime
import io

from django.contrib import messages
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.policy import requires
from campaign import services
from campaign.exports import write_contacts
from campaign.forms import CSVUploadForm
from campaign.imports import ImportFailed
from campaign.models import Mission, MissionContact


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
                _(
                    "Contacts imported: %(created)s new, %(updated)s updated, "
                    "%(unchanged)s unchanged."
                )
                % {
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                },
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
