"""Template filters for the UN record."""

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def localised(state) -> str:
    """A state's name in the page's language."""
    return state.localised_name(get_language())
