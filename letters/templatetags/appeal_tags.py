"""The campaign dashboard's slots: letters awaiting sign-off, appeals, reminders."""

from django import template

from ..appeals import Appeal, Progress
from ..audiences import letters_awaiting_sign_off

register = template.Library()


@register.inclusion_tag("letters/includes/_slot_appeals.html")
def appeals_slot(campaign):
    """The campaign's latest appeals and how far each has gone."""
    appeals = (
        Appeal.objects.filter(campaign=campaign)
        .exclude(status=Appeal.Status.CANCELLED)
        .select_related("mailing")
        .order_by("-created_at")[:5]
    )
    return {"campaign": campaign, "rows": [(a, Progress.of(a)) for a in appeals]}


@register.inclusion_tag("letters/includes/_slot_signoffs.html")
def signoffs_slot(campaign):
    """The campaign's letters still waiting for a co-signer's sign-off."""
    return {
        "campaign": campaign,
        "pending": letters_awaiting_sign_off(campaign=campaign),
    }


@register.inclusion_tag("letters/includes/_slot_reminders.html")
def reminders_slot(campaign):
    """The campaign's next reminders, in its time zone."""
    from zoneinfo import ZoneInfo

    from ..reminders import Reminder

    upcoming = (
        Reminder.objects.upcoming()
        .filter(rule__campaign=campaign, rule__status="active")
        .select_related("rule")[:5]
    )
    zone = ZoneInfo(campaign.time_zone)
    return {
        "campaign": campaign,
        "rows": [(r, r.due_at.astimezone(zone)) for r in upcoming],
    }
