"""App configuration for joint letters, appeals and outgoing mail."""

from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "letters"
    verbose_name = "Letters and mail"

    def ready(self):
        # Connects anymail's signals and those of the UN record.
        from . import receivers  # noqa: F401
