"""Template filters for the UN record."""

from django import template
from django.utils.translation import get_language

from campaign import markup

register = template.Library()


@register.filter
def localised(state) -> str:
    """A state's name in the page's language."""
    return state.localised_name(get_language())


# The ballot page's tables, prebuilt in Python (campaign/markup.py).
register.filter("crosstab_rows", markup.crosstab_rows)
register.filter("filter_fields", markup.filter_fields)
register.filter("cosponsor_rows", markup.cosponsor_rows)
register.filter("group_table", markup.group_table)
