"""Celery entry points for letters and mail: ids in, letters.services called."""

import smtplib

from celery import shared_task

from . import services


@shared_task
def send_test_message(user_id: int) -> None:
    services.send_test_message(user_id=user_id)


@shared_task(acks_late=True)
def send_reapproval_notice(version_id: int) -> None:
    services.send_reapproval_notice(version_id=version_id)


# Reminders, alerts and subscriptions: outgoing mail, the dispatcher, digests.


@shared_task(
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=True,
    max_retries=5,
)
def send_message(payload: dict) -> int:
    from . import outgoing

    return outgoing.send_message(**payload)


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
