"""Celery entry points for the UN record and the site's own health."""

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_KEY = "campaign:worker-heartbeat"


@shared_task
def ping(token: str) -> str:
    """Answer the health check's round trip through the broker and a worker."""
    return token


@shared_task
def record_worker_heartbeat() -> str:
    """Run by beat: proves beat schedules and a worker executes."""
    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, now, timeout=None)
    return now


@shared_task
def refresh_ballot_outcome(ballot_id: int) -> str | None:
    """Recompute a ballot's outcome from its recorded votes."""
    from . import services

    return services.refresh_ballot_outcome(ballot_id=ballot_id)
