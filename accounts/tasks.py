"""Celery entry points for account mail: each takes ids and calls accounts.services."""

from celery import shared_task

from . import services


@shared_task
def send_invitation_email(invitation_id: int) -> bool:
    return services.send_invitation_email(invitation_id=invitation_id)


@shared_task
def send_password_reset_email(user_id: int) -> bool:
    return services.send_password_reset_email(user_id=user_id)


@shared_task
def send_campaign_invitation_email(participation_id: int) -> bool:
    return services.send_campaign_invitation_email(participation_id=participation_id)
