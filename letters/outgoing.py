"""The one door reminders, alerts and subscription mail leave by."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction


def deliver(
    *,
    kind: str,
    recipients: Iterable[str],
    subject: str,
    text: str,
    html: str = "",
    headers: Mapping[str, str] | None = None,
    key: str,
) -> int:
    """Queue one message per recipient, published to a worker once the current
    transaction commits (nothing leaves if it rolls back).

    ``key`` names the occurrence (``reminder:12``, ``alert:3:follow:5``); with
    the address it makes each message's idempotency key. Returns the count queued.
    """
    from . import tasks

    count = 0
    for address in recipients:
        payload = {
            "kind": kind,
            "to": address,
            "subject": subject,
            "text": text,
            "html": html,
            "headers": dict(headers or {}),
            "key": f"{key}:{address}",
        }
        transaction.on_commit(lambda p=payload: tasks.send_message.delay(p))
        count += 1
    return count


def message_id(key: str) -> str:
    """A stable Message-ID per idempotency key, so a resend is recognisable."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    return f"<{digest}@{domain}>"


def send_message(
    *,
    kind: str,
    to: str,
    subject: str,
    text: str,
    html: str,
    headers: Mapping[str, str],
    key: str,
) -> int:
    """Send one message through Django's configured mail backend."""
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[to],
        headers={
            **headers,
            "Message-ID": message_id(key),
            "X-Campaign-Kind": kind,
        },
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()
