"""/healthz: the database, the broker and a worker, checked by a real round trip."""

import time
import uuid

from celery.exceptions import TimeoutError as CeleryTimeout
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from campaign.celery import app
from campaign.tasks import HEARTBEAT_KEY, ping

WORKER_TIMEOUT = 5.0


def _check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"ok": True, "vendor": connection.vendor}


def _check_broker() -> dict:
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        transport = conn.transport_cls
    return {"ok": True, "transport": str(transport)}


def _check_worker() -> dict:
    token = uuid.uuid4().hex
    started = time.monotonic()
    answer = ping.apply_async(args=[token], expires=WORKER_TIMEOUT * 2).get(
        timeout=WORKER_TIMEOUT, interval=0.1
    )
    if answer != token:
        return {"ok": False, "error": "the worker answered something else"}
    return {"ok": True, "round_trip_ms": round((time.monotonic() - started) * 1000)}


def _run(check) -> dict:
    try:
        return check()
    except CeleryTimeout:
        return {"ok": False, "error": f"no worker answered within {WORKER_TIMEOUT:g}s"}
    except Exception as exc:  # a health check reports every failure, whatever it is
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


@never_cache
def healthz(request):
    checks = {"database": _run(_check_database), "broker": _run(_check_broker)}
    if checks["broker"]["ok"]:
        checks["worker"] = _run(_check_worker)
    else:
        checks["worker"] = {"ok": False, "error": "broker unreachable"}
    ok = all(c["ok"] for c in checks.values())
    try:
        beat = cache.get(HEARTBEAT_KEY)
    except Exception:  # the cache may be the Redis that is down
        beat = None
    return JsonResponse(
        {"status": "ok" if ok else "unavailable", **checks, "beat_last_seen": beat},
        status=200 if ok else 503,
    )
