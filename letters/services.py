"""Writes with side effects for letters and mail."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def send_test_message(*, user_id: int) -> bool:
    """Mail the user a message that proves the worker and the mail transport work."""
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return False
    context = {"user": user, "site_url": settings.SITE_URL}
    message = EmailMultiAlternatives(
        subject="Test message from the campaign site",
        body=render_to_string("letters/emails/test_message.txt", context),
        to=[user.email],
    )
    message.attach_alternative(
        render_to_string("letters/emails/test_message.html", context), "text/html"
    )
    message.send()
    return True
