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


def _frame(template: str, request) -> list[str]:
    """The template rendered around markers: literal, slot name, literal, ..."""
    key = (template, get_language() or "")
    frame = _frames.get(key)
    if frame is None:
        markers = {name: mark_safe(f"{MARK}{name}{MARK}") for name in SLOTS}  # noqa: S308
        html = render_to_string(template, {"slots": markers}, request=request)
        frame = html.split(MARK)
        with _lock:
            _frames[key] = frame
    return frame


def render_slots(request, template: str, slots: dict[str, str]) -> HttpResponse:
    """A response of ``template`` with ``slots`` (escaped HTML) in place."""
    slots = {**slots, "path": escape(request.path)}
    if anonymous_visitor(request):
        frame = _frame(template, request)
        # Even indexes are the template's own text, odd ones slot names.
        html = "".join(
            part if i % 2 == 0 else slots.get(part, "") for i, part in enumerate(frame)
        )
    else:
        html = render_to_string(
            template,
            {"slots": {k: mark_safe(v) for k, v in slots.items()}},  # noqa: S308
            request=request,
        )
    return HttpResponse(html)


@receiver(setting_changed)
def _forget_frames(**kwargs) -> None:
    """Settings a test changes (languages, static storage ...) change the frame."""
    with _lock:
        _frames.clear()
