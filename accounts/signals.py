"""The one place sign-ins are hooked: Django's and django-axes' signals."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import (
    user_logged_in,
    user_logged_out,
    user_login_failed,
)
from django.dispatch import receiver

from . import services


@receiver(user_logged_in, dispatch_uid="accounts.audit_sign_in")
def audit_sign_in(sender, request, user, **kwargs):
    services.record_sign_in(user=user)


@receiver(user_logged_out, dispatch_uid="accounts.audit_sign_out")
def audit_sign_out(sender, request, user, **kwargs):
    if user is not None:
        services.record_sign_out(user=user)


@receiver(user_login_failed, dispatch_uid="accounts.audit_failed_sign_in")
def audit_failed_sign_in(sender, credentials, request=None, **kwargs):
    if getattr(request, "axes_locked_out", False):
        return  # the lockout itself is recorded below
    services.record_failed_sign_in(email=credentials.get("username", ""))


@receiver(user_locked_out, dispatch_uid="accounts.audit_lockout")
def audit_lockout(sender, request, username, ip_address, **kwargs):
    services.record_failed_sign_in(email=username or "", locked_out=True)
