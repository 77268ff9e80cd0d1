"""App configuration for organisations and staff accounts."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Organisations and staff"

    def ready(self):
        from . import signals  # noqa: F401  (connects the sign-in audit)
