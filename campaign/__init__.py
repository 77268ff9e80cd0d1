"""The campaign site: project package and the UN record."""

from .celery import app as celery_app

__all__ = ("celery_app",)
