"""The campaign dashboard's letters and appeals slots."""

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
