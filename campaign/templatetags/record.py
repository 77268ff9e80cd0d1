"""Template filters for the UN record."""

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from campaign import ballot_html, markup

register = template.Library()


@register.filter
def localised(state) -> str:
    """A state's name in the page's language."""
    return state.localised_name(get_language())


# The ballot page's tables, prebuilt in Python (campaign/markup.py).
register.filter("crosstab_rows", markup.crosstab_rows)
register.filter("filter_fields", markup.filter_fields)
register.filter("group_table", markup.group_table)


@register.simple_tag
def tally_block(ballot, summary):
    """A ballot's four totals and the reported ones, as on its page."""
    return mark_safe(  # noqa: S308 - ballot_html escapes every value
        ballot_html.tally_html(
            ballot=ballot,
            tally=summary.tally,
            reported=summary.reported,
            differences=summary.differences,
        )
    )
