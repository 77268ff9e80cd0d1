"""Pages whose parts are built in Python, framed by base.html.

A template such as campaign/ballot_detail.html only places prebuilt parts
("slots": title, head, content, scripts) into base.html's blocks. For a visitor
who is not signed in and has no messages waiting, base.html renders the same
for every page in a language, so it is rendered once per process and language
with markers where the slots go, and later pages are joined around them. Anyone
else (staff signed in, a visitor with a session) gets the template rendered in
full, with the same slots.
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from .markup import escape

SLOTS = ("title", "head", "content", "scripts", "path")
MARK = "\x00"

_frames: dict[tuple[str, str], list[str]] = {}
_lock = threading.Lock()


def anonymous_visitor(request) -> bool:
    """No session and no messages: the frame is the same for every such visitor."""
    return (
        settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def _frame(template: str, request) -> list:
    """The template rendered around markers: literal, slot name, literal, ...

    The literals are UTF-8 already: a page is then bytes joined, and only its
    slots are encoded (the language menu names languages in their own
    scripts, which would otherwise make the whole page costly to encode).
    """
    key = (template, get_language() or "")
    frame = _frames.get(key)
    if frame is None:
        markers = {name: mark_safe(f"{MARK}{name}{MARK}") for name in SLOTS}  # noqa: S308
        html = render_to_string(template, {"slots": markers}, request=request)
        frame = [
            part.encode() if i % 2 == 0 else part
            for i, part in enumerate(html.split(MARK))
        ]
        with _lock:
            _frames[key] = frame
    return frame


Slot = str | list[str | bytes]


def _encoded(value: Slot) -> list[bytes]:
    if isinstance(value, str):
        return [value.encode()]
    return [part if isinstance(part, bytes) else part.encode() for part in value]


def _text(value: Slot) -> str:
    if isinstance(value, str):
        return value
    return "".join(p.decode() if isinstance(p, bytes) else p for p in value)


def render_slots(request, template: str, slots: dict[str, Slot]) -> HttpResponse:
    """A response of ``template`` with ``slots`` in place: each escaped HTML,
    or a list of pieces of it, some in UTF-8 already."""
    slots = {**slots, "path": escape(request.path)}
    if anonymous_visitor(request):
        frame = _frame(template, request)
        # Even indexes are the template's own text, odd ones slot names.
        out: list[bytes] = []
        for i, part in enumerate(frame):
            if i % 2 == 0:
                out.append(part)
            else:
                out.extend(_encoded(slots.get(part, "")))
        return HttpResponse(b"".join(out))
    html = render_to_string(
        template,
        {"slots": {k: mark_safe(_text(v)) for k, v in slots.items()}},  # noqa: S308
        request=request,
    )
    return HttpResponse(html)


@receiver(setting_changed)
def _forget_frames(**kwargs) -> None:
    """Settings a test changes (languages, static storage ...) change the frame."""
    with _lock:
        _frames.clear()
