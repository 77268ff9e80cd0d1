"""App configuration for joint letters, appeals and outgoing mail."""

from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "letters"
    verbose_name = "Letters and mail"

    def ready(self):
        from . import checks, receivers  # noqa: F401  (registers checks, signals)
