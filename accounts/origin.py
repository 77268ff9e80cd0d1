"""Who is asking, from where (address, user agent, email typed): lockouts, audit."""

from __future__ import annotations

import ipaddress
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Origin:
    ip_address: str | None = None
    user_agent: str = ""


_current: ContextVar[Origin | None] = ContextVar("request_origin", default=None)


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or the address the trusted proxies saw (TRUSTED_PROXY_COUNT)."""
    address = request.META.get("REMOTE_ADDR")
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops and forwarded:
        chain = [part.strip() for part in forwarded.split(",") if part.strip()]
        if len(chain) >= hops:
            address = chain[-hops]
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


def origin_of(request) -> Origin:
    return Origin(
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
    )


def current_origin() -> Origin:
    """The origin of the request being served, or an empty one (a task, a command)."""
    return _current.get() or Origin()


def set_current_origin(origin: Origin | None):
    return _current.set(origin)


def reset_current_origin(token) -> None:
    _current.reset(token)


def attempted_email(request, credentials) -> str | None:
    """The address typed at sign-in, as django-axes counts it (case aside)."""
    value = (credentials or {}).get("username") or request.POST.get("username")
    return value.strip().lower() if value else None
