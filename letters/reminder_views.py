"""Staff screens: a campaign's reminder rules and upcoming reminders; alert follows."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.policy import load, requires
from campaign.models import Campaign

from . import alerts, audiences, schedule
from .reminder_forms import FollowForm, ReminderRuleForm
from .reminders import Follow, Reminder, ReminderRule

_CAMPAIGN = load(Campaign.objects.select_related("series"), slug="slug")


def _rule(campaign: Campaign, pk: int) -> ReminderRule:
    return get_object_or_404(
        ReminderRule.objects.live().select_related("campaign__series", "ballot"),
        campaign=campaign,
        pk=pk,
    )


def _preview(rule: ReminderRule) -> dict:
    """Who the rule would reach now; subscribers' addresses are never shown."""
    recipients = audiences.audience_for(rule)
    hidden = rule.audience == ReminderRule.Audience.SUBSCRIBERS_RESULT
    return {
        "count": len(recipients),
        "recipients": [] if hidden else recipients,
        "hidden": hidden,
    }


@requires("reminders.manage", load=_CAMPAIGN)
def reminder_list(request, campaign):
    zone = ZoneInfo(campaign.time_zone)
    rules = (
        ReminderRule.objects.live()
        .filter(campaign=campaign)
        .select_related("campaign__series", "ballot__document")
    )
    rows = []
    for rule in rules:
        pending = rule.reminders.filter(status=Reminder.Status.PENDING).first()
        rows.append(
            {
                "rule": rule,
                "when": schedule.when_label(rule),
                "pending": pending,
                "due_local": pending.due_at.astimezone(zone) if pending else None,
                "preview": _preview(rule),
            }
        )
    history = (
        Reminder.objects.filter(rule__campaign=campaign)
        .exclude(status=Reminder.Status.PENDING)
        .select_related("rule")
        .order_by("-due_at")[:50]
    )
    return render(
        request,
        "letters/reminders/reminder_list.html",
        {
            "campaign": campaign,
            "rows": rows,
            "history": [(r, r.due_at.astimezone(zone)) for r in history],
        },
    )


TEXT_PREVIEW = {
    ReminderRule.Audience.STAFF_DIGEST,
    ReminderRule.Audience.COSIGNERS_PENDING,
}


@requires("reminders.manage", load=_CAMPAIGN)
def reminder_preview(request, campaign, pk):
    rule = _rule(campaign, pk)
    return render(
        request,
        "letters/reminders/reminder_preview.html",
        {
            "campaign": campaign,
            "rule": rule,
            "preview": _preview(rule),
            "text": schedule.render_reminder_text(rule=rule)
            if rule.audience in TEXT_PREVIEW
            else "",
            "appeal_blocked": rule.audience == ReminderRule.Audience.MISSIONS_FOLLOW_UP
            and schedule.approved_version(letter_id=rule.letter_id) is None,
        },
    )


@requires("reminders.manage", load=_CAMPAIGN)
def reminder_edit(request, campaign, pk=None):
    rule = _rule(campaign, pk) if pk else None
    form = ReminderRuleForm(request.POST or None, instance=rule, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        rule = schedule.save_reminder_rule(rule=form.save(), by=request.user)
        messages.success(request, f"Reminder “{rule.name}” saved.")
        return redirect("letters:reminder_list", campaign.slug)
    return render(
        request,
        "letters/reminders/reminder_form.html",
        {"campaign": campaign, "rule": rule, "form": form},
        status=400 if form.errors else 200,
    )


STATUS_ACTIONS = {
    "pause": ReminderRule.Status.PAUSED,
    "resume": ReminderRule.Status.ACTIVE,
    "cancel": ReminderRule.Status.CANCELLED,
}


@requires("reminders.manage", load=_CAMPAIGN)
@require_POST
def reminder_status(request, campaign, pk):
    rule = _rule(campaign, pk)
    status = STATUS_ACTIONS.get(request.POST.get("action", ""))
    if status is None:
        return HttpResponseBadRequest("Unknown action: pause, resume or cancel.")
    schedule.set_rule_status(rule=rule, status=status)
    messages.success(request, f"Reminder “{rule.name}”: {rule.get_status_display()}.")
    return redirect("letters:reminder_list", campaign.slug)


@requires("alerts.follow")
def follows(request):
    form = FollowForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        alerts.follow(
            user=request.user,
            series=form.cleaned_data["series"],
            state=form.cleaned_data["state"],
            frequency=form.cleaned_data["frequency"],
        )
        messages.success(request, "You follow it now.")
        return redirect("letters:follows")
    return render(
        request,
        "letters/reminders/follows.html",
        {
            "form": form,
            "follows": Follow.objects.filter(user=request.user).select_related(
                "series", "state"
            ),
        },
        status=400 if form.errors else 200,
    )


@requires("alerts.follow")
@require_POST
def unfollow(request, pk):
    if not alerts.unfollow(user=request.user, follow_id=pk):
        raise Http404("Not followed.")
    messages.success(request, "No longer followed.")
    return redirect("letters:follows")
