"""Celery entry points for letters and mail: ids in, a letters service called."""

from celery import shared_task
from django.conf import settings

from . import delivery, services


@shared_task(acks_late=True)
def send_reapproval_notice(version_id: int) -> None:
    services.send_reapproval_notice(version_id=version_id)


@shared_task(acks_late=True)
def send_invitation_notice(cosigner_id: int) -> None:
    services.send_invitation_notice(cosigner_id=cosigner_id)


# Reminders and alerts: the dispatcher and the digests.


@shared_task
def dispatch_due_reminders() -> int:
    """Run by beat each minute: claim and send the reminders now due."""
    from . import schedule

    return schedule.dispatch_due_reminders().sent


@shared_task
def send_alert_digests() -> int:
    """Run by beat daily: each daily follower's digest of the day's changes."""
    from . import alerts

    return alerts.send_alert_digests()


# The delivery ledger.


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=settings.EMAIL_TASK_TIME_LIMIT,
    soft_time_limit=settings.EMAIL_TASK_TIME_LIMIT * 0.8,
    ignore_result=True,
)
def send_delivery(self, delivery_id: int) -> int:
    """A hint to try one delivery, then a bounded batch of its mailing's due rows."""
    return delivery.send_deliveries(
        delivery_id=delivery_id, worker=self.request.hostname or ""
    )


@shared_task(ignore_result=True)
def sweep_deliveries() -> int:
    """Run by beat: re-publish deliveries the broker may have lost."""
    return delivery.sweep_deliveries()


# Appeals.


@shared_task(ignore_result=True)
def launch_due_appeals() -> int:
    """Run by beat each minute: launch the scheduled appeals now due."""
    from . import appeal_services

    return appeal_services.launch_due_appeals()
