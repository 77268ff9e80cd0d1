"""Staff screens for appeals: list, new, targeting preview, gate, launch, progress."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.policy import can, load, requires
from campaign.models import Campaign

from . import appeal_services
from .appeal_forms import AppealForm, ScheduleForm
from .appeals import Appeal, Progress
from .models import Letter
from .targeting import Criteria, describe, target

_CAMPAIGN = load(Campaign.objects.select_related("series", "lead"), slug="slug")
_APPEAL = load(
    Appeal.objects.select_related(
        "campaign__series", "letter__lead", "mailing", "created_by", "scheduled_by"
    ),
    pk="pk",
)


def _sendable_letters(user, campaign: Campaign):
    """Letters of the campaign whose lead the user sends appeals for."""
    letters = Letter.objects.filter(campaign=campaign).select_related("lead")
    if user.is_superuser:
        return letters
    return letters.filter(
        lead__memberships__user=user,
        lead__memberships__is_active=True,
        lead__memberships__role__in=[Role.ADMIN, Role.SENDER],
    ).distinct()


@requires("appeal.view", load=_CAMPAIGN)
def appeal_list(request, campaign):
    appeals = list(
        campaign.appeals.select_related("letter", "mailing", "created_by").order_by(
            "-created_at"
        )
    )
    return render(
        request,
        "letters/appeals/appeal_list.html",
        {
            "campaign": campaign,
            "rows": [(a, Progress.of(a)) for a in appeals],
            "can_send": can(request.user, "appeal.manage", campaign),
        },
    )


def _edit(request, campaign: Campaign, appeal: Appeal | None):
    letters = _sendable_letters(request.user, campaign)
    initial = (
        AppealForm.initial_for(appeal)
        if appeal
        else {"city": "new-york", "window_days": 30, "letter": letters.first()}
    )
    form = AppealForm(request.POST or None, initial=initial, letters=letters)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if "preview" in request.POST:
            preview = target(
                campaign=campaign,
                criteria=form.criteria(),
                exclude_appeal_id=appeal.pk if appeal else None,
            )
        else:
            fields = {
                "letter": data["letter"],
                "name": data["name"],
                "criteria": form.criteria(),
                "languages": data["languages"],
                "attach_pdf": data["attach_pdf"],
            }
            try:
                if appeal is None:
                    appeal = appeal_services.create_appeal(
                        campaign=campaign, by=request.user, **fields
                    )
                else:
                    appeal = appeal_services.update_appeal(appeal=appeal, **fields)
            except appeal_services.AppealError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Appeal “{appeal.name}” saved as a draft.")
                return redirect(appeal)
    return render(
        request,
        "letters/appeals/appeal_form.html",
        {
            "campaign": campaign,
            "appeal": appeal,
            "form": form,
            "preview": preview,
            "no_letters": not letters.exists(),
        },
        status=400 if form.errors else 200,
    )


@requires("appeal.manage", load=_CAMPAIGN)
def appeal_new(request, campaign):
    return _edit(request, campaign, None)


@requires("appeal.manage", load=_APPEAL)
def appeal_edit(request, appeal):
    if appeal.status != Appeal.Status.DRAFT:
        messages.error(request, "Only a draft appeal can be changed.")
        return redirect(appeal)
    return _edit(request, appeal.campaign, appeal)


def _detail(request, appeal: Appeal, *, schedule_form=None, status=200):
    zone = ZoneInfo(appeal.campaign.time_zone)
    launched = appeal.mailing_id is not None
    return render(
        request,
        "letters/appeals/appeal_detail.html",
        {
            "appeal": appeal,
            "campaign": appeal.campaign,
            "gate": appeal_services.gate(appeal),
            "criteria": describe(Criteria.from_dict(appeal.criteria)),
            "preview": None if launched else appeal_services.targeting_for(appeal),
            "progress": Progress.of(appeal),
            "can_send": can(request.user, "appeal.manage", appeal),
            "schedule_form": schedule_form or ScheduleForm(),
            "zone": zone,
            "from_email": settings.DEFAULT_FROM_EMAIL,
            "scheduled_local": appeal.scheduled_at.astimezone(zone)
            if appeal.scheduled_at
            else None,
        },
        status=status,
    )


@requires("appeal.view", load=_APPEAL)
def appeal_detail(request, appeal):
    return _detail(request, appeal)


def _expected_versions(request, appeal: Appeal) -> dict[str, int]:
    """The versions the sender was shown, from the form's hidden fields."""
    shown = {}
    for code in appeal.all_languages:
        value = request.POST.get(f"version_{code}", "")
        if value.isdigit():
            shown[code] = int(value)
    return shown


@requires("appeal.manage", load=_APPEAL)
@require_POST
def appeal_launch(request, appeal):
    try:
        appeal_services.launch_appeal(
            appeal=appeal,
            by=request.user,
            expected_versions=_expected_versions(request, appeal),
        )
    except appeal_services.AppealError as exc:
        messages.error(request, f"Not launched. {exc}")
    else:
        messages.success(
            request, f"Appeal “{appeal.name}” launched: the messages are on their way."
        )
    return redirect(appeal)


@requires("appeal.manage", load=_APPEAL)
@require_POST
def appeal_schedule(request, appeal):
    with timezone.override(ZoneInfo(appeal.campaign.time_zone)):
        form = ScheduleForm(request.POST)
        if form.is_valid():
            try:
                appeal_services.schedule_appeal(
                    appeal=appeal,
                    at=form.cleaned_data["at"],
                    by=request.user,
                    expected_versions=_expected_versions(request, appeal),
                )
            except appeal_services.AppealError as exc:
                form.add_error("at", str(exc))
            else:
                messages.success(request, f"Appeal “{appeal.name}” scheduled.")
                return redirect(appeal)
        return _detail(request, appeal, schedule_form=form, status=400)


@requires("appeal.manage", load=_APPEAL)
@require_POST
def appeal_status(request, appeal):
    try:
        appeal = appeal_services.set_appeal_status(
            appeal=appeal, action=request.POST.get("action", ""), by=request.user
        )
    except appeal_services.AppealError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"Appeal “{appeal.name}”: {appeal.get_status_display().lower()}."
        )
    return redirect(appeal)


@requires("appeal.view", load=_APPEAL)
def appeal_progress(request, appeal):
    """The progress bar alone, polled by htmx while the appeal is sending."""
    return render(
        request,
        "letters/appeals/_progress.html",
        {"appeal": appeal, "progress": Progress.of(appeal)},
    )
