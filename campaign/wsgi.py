"""WSGI entry point for gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campaign.settings")
django_application = get_wsgi_application()

# Imported once Django is set up: public pages kept in front of Django.
from campaign.pagecache import FrontCache  # noqa: E402

application = FrontCache(django_application)
