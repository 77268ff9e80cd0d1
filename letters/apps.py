"""App configuration for joint letters, appeals and outgoing mail."""

from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "letters"
    verbose_name = "Letters and mail"

    def ready(self):
        # Registers the deploy checks; connects anymail's and the UN record's signals.
        from . import checks, receivers  # noqa: F401
