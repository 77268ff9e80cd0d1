"""Celery entry points for letters and mail: ids in, letters.services called."""

from celery import shared_task

from . import services


@shared_task
def send_test_message(user_id: int) -> None:
    services.send_test_message(user_id=user_id)


@shared_task(acks_late=True)
def send_reapproval_notice(version_id: int) -> None:
    services.send_reapproval_notice(version_id=version_id)
