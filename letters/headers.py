"""Header safety: nothing staff type may add a line break to an outgoing header."""

from __future__ import annotations

import re
from email.header import decode_header

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

# Raw line breaks (including the Unicode ones some mail code splits on), and
# their percent-, backslash- and HTML-encoded spellings.
_LINE_BREAK = re.compile(
    r"[\r\n\x00\x0b\x0c\x1c-\x1e\x85\u2028\u2029]"
    r"|%0[ad]|%250[ad]|\\[rn]|\\x0[ad]|\\u000[ad]|&#(?:0*1[03]|x0*[ad]);",
    re.IGNORECASE,
)
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bq]\?[^?\s]*\?=", re.IGNORECASE)


class UnsafeHeader(ValueError):
    """A value meant for a mail header carries a line break, raw or encoded."""


def check_header(value: str, *, field: str) -> str:
    """Return ``value`` unchanged, or raise UnsafeHeader naming the field."""
    message = f"{field} may not contain a line break (raw or encoded)."
    if _LINE_BREAK.search(value):
        raise UnsafeHeader(message)
    for word in _ENCODED_WORD.findall(value):
        try:
            parts = decode_header(word)
        except Exception as exc:
            raise UnsafeHeader(f"{field} has a malformed encoded word.") from exc
        for part, charset in parts:
            text = (
                part.decode(charset or "ascii", errors="replace")
                if isinstance(part, bytes)
                else part
            )
            if _LINE_BREAK.search(text):
                raise UnsafeHeader(message)
    return value


def check_address(value: str, *, field: str) -> str:
    check_header(value, field=field)
    try:
        validate_email(value)
    except ValidationError as exc:
        raise UnsafeHeader(f"{field} is not an email address: {value!r}.") from exc
    return value


def check_sender(value: str) -> str:
    """The From address must be on the domain the site sends from."""
    check_address(value, field="From")
    domain = settings.EMAIL_DOMAIN.lower()
    if value.rpartition("@")[2].lower() != domain:
        raise UnsafeHeader(f"From must be an address at {domain}.")
    return value


def list_id_for(kind: str) -> str:
    return f"<{kind}.{settings.EMAIL_DOMAIN}>"
