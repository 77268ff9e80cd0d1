"""Celery entry points for outgoing mail: each takes ids and calls letters.services."""

from celery import shared_task

from . import services


@shared_task
def send_test_message(user_id: int) -> None:
    services.send_test_message(user_id=user_id)
