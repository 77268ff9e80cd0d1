"""The one door every email leaves by: rows in the delivery ledger, sent by workers."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db import transaction

from campaign.models import MissionContact

from .delivery import Recipient, launch_mailing
from .ledger import Delivery, Mailing

# The part of ``kind`` before the colon names the mailing's kind; anything else
# (account and letter notices, test messages) is a notice.
MAILING_KINDS = {
    "reminder": Mailing.Kind.REMINDER,
    "appeal": Mailing.Kind.APPEAL,
    "alert": Mailing.Kind.ALERT,
    "subscription": Mailing.Kind.SUBSCRIPTION,
}
# Idempotency keys are uuid5 names in this namespace: the same occurrence and
# address always make the same key, hence the same Message-ID.
KEY_NAMESPACE = uuid.UUID("6658dfae-e3af-4635-b745-64e3d8bc3c77")
_CHUNK = 500


@dataclass(frozen=True)
class Message:
    """One message to one address, with what only it carries."""

    to: str
    subject: str
    text: str
    html: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    contact: MissionContact | None = None
    language: str = ""


def mailing_kind(kind: str) -> str:
    return MAILING_KINDS.get(kind.partition(":")[0], Mailing.Kind.NOTICE)


def idempotency_key(*, key: str, address: str) -> uuid.UUID:
    return uuid.uuid5(KEY_NAMESPACE, f"{key}:{address.strip().lower()}")


def deliver(
    *,
    kind: str,
    recipients: Iterable[str],
    subject: str,
    text: str,
    html: str = "",
    headers: Mapping[str, str] | None = None,
    key: str,
    campaign=None,
    by=None,
) -> int:
    """Queue the same message to each address; see deliver_each."""
    return deliver_each(
        kind=kind,
        key=key,
        campaign=campaign,
        by=by,
        messages=[
            Message(
                to=address,
                subject=subject,
                text=text,
                html=html,
                headers=headers or {},
            )
            for address in recipients
        ],
    )


def deliver_each(
    *,
    kind: str,
    key: str,
    messages: Iterable[Message],
    campaign=None,
    by=None,
) -> int:
    """Write one mailing and a delivery row per message, in the caller's transaction.

    Workers are told once it commits (nothing leaves if it rolls back); the
    sweeper finds whatever they miss. ``key`` names the occurrence
    (``reminder:12``, ``alert:3``); with the address it makes the row's
    idempotency key and Message-ID, so an address already given this occurrence
    gets nothing new. Returns the number of rows written.
    """
    unique: dict[uuid.UUID, Message] = {}
    for message in messages:
        unique.setdefault(idempotency_key(key=key, address=message.to), message)
    if not unique:
        return 0
    with transaction.atomic():
        keys = list(unique)
        seen = set()
        for start in range(0, len(keys), _CHUNK):
            seen.update(
                Delivery.objects.filter(
                    idempotency_key__in=keys[start : start + _CHUNK]
                ).values_list("idempotency_key", flat=True)
            )
        fresh = [(k, m) for k, m in unique.items() if k not in seen]
        if not fresh:
            return 0
        launch_mailing(
            name=" ".join(fresh[0][1].subject.split())[:200],
            kind=mailing_kind(kind),
            campaign=campaign,
            by=by,
            recipients=[_recipient(k, m, kind) for k, m in fresh],
        )
    return len(fresh)


def _recipient(key: uuid.UUID, message: Message, kind: str) -> Recipient:
    contact = message.contact
    return Recipient(
        email=message.to,
        language=message.language
        or (contact.preferred_language if contact else "")
        or "en",
        state=contact.mission.state if contact else None,
        contact=contact,
        key=key,
        subject=" ".join(message.subject.split()),
        text=message.text,
        html=message.html,
        headers=(*sorted(message.headers.items()), ("X-Campaign-Kind", kind)),
    )
