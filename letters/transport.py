"""The messages and the connection each worker process keeps open; what errors mean."""

from __future__ import annotations

import contextlib
import smtplib
import time
import uuid
from dataclasses import dataclass
from email.policy import Compat32

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection

# An idle SMTP connection is checked with NOOP before reuse after this long.
IDLE_CHECK_SECONDS = 15.0

_state: dict = {"key": None, "connection": None, "used": 0.0}


class _QuickFold(Compat32):
    """Django's policy, but a short one-line ASCII header is written as it is.

    The standard policy folds every header through ``email.header.Header``, which
    costs more than the rest of the message; for these headers it returns the
    value unchanged, and anything longer or non-ASCII still goes that way.
    """

    def _fold(self, name, value, sanitize):
        if (
            isinstance(value, str)
            and value.isascii()
            and "\n" not in value
            and "\r" not in value
            and len(name) + 2 + len(value) <= (self.max_line_length or 78)
        ):
            return f"{name}: {value}{self.linesep}"
        return super()._fold(name, value, sanitize)


_QUICK_FOLD = _QuickFold()


class Email(EmailMultiAlternatives):
    """A ledger message: written out as Django writes it, only faster."""

    def message(self):
        message = super().message()
        message.policy = _QUICK_FOLD
        if message.is_multipart():
            # Random, so no text written before it can hold it; left to the
            # generator, it would compile a pattern per message to make sure.
            message.set_boundary(f"=={uuid.uuid4().hex}==")
        return message


def _settings_key() -> tuple:
    return (
        settings.EMAIL_BACKEND,
        getattr(settings, "EMAIL_HOST", ""),
        getattr(settings, "EMAIL_PORT", 0),
    )


def _connection():
    key = _settings_key()
    conn = _state["connection"]
    if conn is not None and _state["key"] != key:
        close()
        conn = None
    if conn is not None and time.monotonic() - _state["used"] > IDLE_CHECK_SECONDS:
        smtp = getattr(conn, "connection", None)
        if smtp is not None:
            try:
                smtp.noop()
            except (smtplib.SMTPException, OSError):
                close()
                conn = None
    if conn is None:
        conn = get_connection(fail_silently=False)
        conn.open()
        _state.update(key=key, connection=conn)
    return conn


def close() -> None:
    conn = _state["connection"]
    _state["connection"] = None
    if conn is not None:
        with contextlib.suppress(Exception):  # a broken socket cannot close politely
            conn.close()


def send(message: EmailMessage) -> None:
    """Send over this process's open connection; on any error drop it."""
    conn = _connection()
    try:
        sent = conn.send_messages([message])
    except BaseException:
        close()
        raise
    _state["used"] = time.monotonic()
    if not sent:
        close()
        raise smtplib.SMTPServerDisconnected("the connection sent nothing")


@dataclass(frozen=True)
class Failure:
    transient: bool
    detail: str
    recipient_refused: bool = False


def classify(exc: BaseException) -> Failure:
    """Transient failures are retried later; permanent ones stop the delivery."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        detail = "; ".join(
            f"{code} {_text(reply)}" for code, reply in exc.recipients.values()
        )
        transient = bool(codes) and all(400 <= code < 500 for code in codes)
        return Failure(transient, f"recipient refused: {detail}", not transient)
    if isinstance(exc, smtplib.SMTPAuthenticationError | smtplib.SMTPSenderRefused):
        # Our own credentials or sender: a setup fault to fix, not the recipient's.
        return Failure(True, f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}")
    if isinstance(exc, smtplib.SMTPResponseException):
        return Failure(
            400 <= exc.smtp_code < 500,
            f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}",
        )
    if isinstance(exc, AnymailRecipientsRefused):
        return Failure(False, f"provider refused the recipient: {_describe(exc)}", True)
    if isinstance(exc, AnymailAPIError):
        status = exc.status_code
        transient = status is None or status == 429 or status >= 500
        return Failure(transient, f"provider error {status}: {_describe(exc)}")
    # Disconnects, timeouts, the soft time limit, and anything unforeseen: retried
    # up to the attempt limit rather than lost.
    return Failure(True, f"{type(exc).__name__}: {_describe(exc)}")


def _describe(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:
        return " ".join(str(arg) for arg in exc.args)


def _text(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
