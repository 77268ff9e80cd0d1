"""Celery entry points for outgoing mail: each takes ids and calls a letters service."""

from celery import shared_task
from django.conf import settings

from . import delivery, services


@shared_task
def send_test_message(user_id: int) -> None:
    services.send_test_message(user_id=user_id)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=settings.EMAIL_TASK_TIME_LIMIT,
    soft_time_limit=settings.EMAIL_TASK_TIME_LIMIT * 0.8,
    ignore_result=True,
)
def send_delivery(self, delivery_id: int) -> str:
    """A hint to try one delivery; does nothing unless the row is claimable."""
    return delivery.send_delivery(
        delivery_id=delivery_id, worker=self.request.hostname or ""
    )


@shared_task(ignore_result=True)
def sweep_deliveries() -> int:
    """Run by beat: re-publish deliveries the broker may have lost."""
    return delivery.sweep_deliveries()
