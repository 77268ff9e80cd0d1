"""Template filters for letters: organisation logos inlined, so pages and PDFs
need no media server."""

import base64
import mimetypes

from django import template

register = template.Library()

# Logos larger than this are left out rather than bloating every page.
MAX_LOGO_BYTES = 512 * 1024


@register.filter
def logo_src(organisation) -> str:
    """A data: URL of the organisation's logo, or "" when it has none."""
    logo = getattr(organisation, "logo", None)
    if not logo:
        return ""
    try:
        if logo.size > MAX_LOGO_BYTES:
            return ""
        with logo.open("rb") as handle:
            data = handle.read()
    except (OSError, ValueError):
        return ""
    mime = mimetypes.guess_type(logo.name)[0] or ""
    if mime not in ("image/png", "image/jpeg", "image/gif", "image/webp"):
        return ""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


@register.filter
def initials(organisation) -> str:
    short = getattr(organisation, "short_name", "") or str(organisation)
    return short[:4]
