"""One sending rate per provider, shared by every worker through the cache (Redis)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache as default_cache


def provider_name() -> str:
    """A short name for the configured transport: "smtp", "postmark", ..."""
    backend = settings.EMAIL_BACKEND
    if backend.startswith("anymail.backends."):
        return backend.split(".")[2]
    return backend.rsplit(".", 2)[-2]


def wait_for_slot(
    provider: str,
    *,
    rate: int,
    cache=None,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> float:
    """Block until one more message fits in this second's budget; return the wait.

    A counter per provider per wall-clock second, incremented atomically in the
    shared cache, so the limit holds across processes and hosts.
    """
    if rate <= 0:
        return 0.0
    cache = cache or default_cache
    waited = 0.0
    while True:
        now = clock()
        window = int(now)
        key = f"email-rate:{provider}:{window}"
        cache.add(key, 0, timeout=5)
        try:
            count = cache.incr(key)
        except ValueError:  # the key expired between add and incr
            continue
        if count <= rate:
            return waited
        pause = window + 1 - now
        sleep(pause)
        waited += pause
