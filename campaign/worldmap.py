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


class Outlines:
    """Every state's outline in each colour, with its title, as UTF-8.

    Made once per language and registry (``names``: each state's escaped name
    by ISO alpha-2; ``labels``: each position's escaped label by letter). A
    ballot's map is then one piece per state, picked by its position, joined:
    no formatting and no encoding of the ~100 KB of outlines per page.

    Colours come from classes (``map-Y``, ``map-N`` ...) in site.css, so the
    markup needs no inline style; every coloured state has a <title> naming it
    and its position, and the page lists every state in a table.
    """

    def __init__(self, names: Mapping[str, str], labels: Mapping[str, str]):
        self.viewbox, shapes = _shapes()
        self.pieces: list[tuple[str, dict[str, bytes], bytes]] = []
        for code, body in shapes:
            upper = code.upper()
            name = names.get(upper)
            coloured = (
                {}
                if name is None
                else {
                    letter: (
                        f'<g class="map-{letter}"><title>{name}: {label}</title>'
                        f"{body}</g>"
                    ).encode()
                    for letter, label in labels.items()
                }
            )
            self.pieces.append(
                (upper, coloured, f'<g class="map-none">{body}</g>'.encode())
            )

    def render(
        self, positions: Mapping[str, str], *, title: str, description: str
    ) -> bytes:
        """The map as inline SVG; ``positions`` are letters by ISO alpha-2."""
        parts = [
            (
                f'<svg class="world-map" viewBox="{self.viewbox}" role="img" '
                'aria-labelledby="map-title map-desc" focusable="false">'
                f'<title id="map-title">{escape(str(title))}</title>'
                f'<desc id="map-desc">{escape(str(description))}</desc>'
            ).encode()
        ]
        get = positions.get
        for code, coloured, none in self.pieces:
            position = get(code)
            parts.append(none if position is None else coloured[position])
        parts.append(b"</svg>")
        return b"".join(parts)
