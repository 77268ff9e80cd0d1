"""Outgoing mail captured as .eml files under var/mail/, for people to read."""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone
from django.utils.crypto import get_random_string

_NAME = re.compile(r"^[0-9]{8}T[0-9]{6}-[A-Za-z0-9]{8}\.eml$")


def mail_dir() -> Path:
    return Path(settings.MAIL_DIR)


class EmlFileBackend(BaseEmailBackend):
    """Writes each message to its own .eml file, as sent (headers and all parts)."""

    def send_messages(self, email_messages) -> int:
        directory = mail_dir()
        directory.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
            name = f"{stamp}-{get_random_string(8)}.eml"
            tmp = directory / f".{name}.tmp"
            tmp.write_bytes(message.message().as_bytes(linesep="\n"))
            tmp.rename(directory / name)  # readers never see half a message
            sent += 1
        return sent


@dataclass(frozen=True)
class CapturedMessage:
    name: str
    received: datetime
    subject: str
    sender: str
    to: str
    message: EmailMessage

    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part else ""

    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part else ""

    def headers(self) -> list[tuple[str, str]]:
        return list(self.message.items())


def _read(path: Path) -> CapturedMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    return CapturedMessage(
        name=path.name,
        received=datetime.fromtimestamp(path.stat().st_mtime, tz=UTC),
        subject=str(message.get("Subject", "")),
        sender=str(message.get("From", "")),
        to=str(message.get("To", "")),
        message=message,
    )


def captured_messages(limit: int = 200) -> list[CapturedMessage]:
    """The newest captured messages first."""
    directory = mail_dir()
    if not directory.is_dir():
        return []
    paths = sorted(
        (p for p in directory.iterdir() if _NAME.match(p.name)), reverse=True
    )
    return [_read(p) for p in paths[:limit]]


def captured_message(name: str) -> CapturedMessage | None:
    if not _NAME.match(name):
        return None
    path = mail_dir() / name
    return _read(path) if path.is_file() else None
