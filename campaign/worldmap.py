"""A ballot's world map: static/img/world.svg with states coloured by position."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from html import escape

from django.conf import settings

SOURCE = settings.BASE_DIR / "static" / "img" / "world.svg"
SHAPE = re.compile(r'<g id="(?P<code>[a-z]{2})">(?P<body>.*?)</g>')


@cache
def _shapes() -> tuple[str, list[tuple[str, str]]]:
    text = SOURCE.read_text(encoding="utf-8")
    viewbox = re.search(r'viewBox="([^"]+)"', text).group(1)
    return viewbox, [(m["code"], m["body"]) for m in SHAPE.finditer(text)]


def render_map(
    *,
    positions: Mapping[str, str],
    titles: Mapping[str, str],
    title: str,
    description: str,
) -> str:
    """Inline SVG markup; ``positions`` and ``titles`` are keyed by ISO alpha-2.

    ``titles`` (each state's name and position) are escaped HTML already.

    Colours come from classes (``map-Y``, ``map-N`` ...) in site.css, so the
    markup needs no inline style; every state also has a <title> naming it
    and its position, and the page lists every state in a table.
    """
    viewbox, shapes = _shapes()
    parts = [
        f'<svg class="world-map" viewBox="{viewbox}" role="img" '
        'aria-labelledby="map-title map-desc" focusable="false">'
        f'<title id="map-title">{escape(str(title))}</title>'
        f'<desc id="map-desc">{escape(str(description))}</desc>'
    ]
    for code, body in shapes:
        upper = code.upper()
        position = positions.get(upper)
        if position is None:
            parts.append(f'<g class="map-none">{body}</g>')
        else:
            parts.append(
                f'<g class="map-{position}"><title>{titles[upper]}</title>{body}</g>'
            )
    parts.append("</svg>")
    return "".join(parts)
