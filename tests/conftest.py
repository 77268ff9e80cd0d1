"""Shared fixtures; and in CI (REQUIRE_SERVICES=1) a skipped test is a failed one."""

import os
import socket
from contextlib import contextmanager
from urllib.parse import urlparse

import pytest
from django.conf import settings
from pytest_django.plugin import blocking_manager_key

from campaign.services import load_registry

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") not in ("", "0", "false")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_SERVICES and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
        report.outcome = "failed"
        report.longrepr = f"REQUIRE_SERVICES is set, so this skip fails: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test empties every table; put the reference data back."""
    yield
    marker = item.get_closest_marker("django_db")
    # After the last test the test database itself is gone.
    if nextitem is not None and marker and marker.kwargs.get("transaction"):
        with item.config.stash[blocking_manager_key].unblock():
            load_registry()


def reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 6379), 1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The member-state registry is reference data: load it once per run."""
    with django_db_blocker.unblock():
        load_registry()


@pytest.fixture(autouse=True)
def _otp_off_unless_enforced(request, settings):
    """Admins and signatories need a one-time password on staff pages; tests about
    other things sign them in without one. Tests of access ask for otp_enforced."""
    if "otp_enforced" not in request.fixturenames:
        settings.OTP_REQUIRED = False


@pytest.fixture
def otp_enforced(settings):
    settings.OTP_REQUIRED = True


@pytest.fixture
def sign_in():
    """sign_in(client, user): a session that has passed a one-time password."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def _sign_in(client, user, *, otp: bool = True):
        client.force_login(user)
        if otp:
            device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        return client

    return _sign_in


@pytest.fixture
def eager_tasks():
    """Tasks queued with delay()/delay_on_commit() run at once, in this process."""
    from campaign.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def redis_url():
    url = settings.REDIS_URL
    if not url:
        pytest.skip("Redis is not configured (set REDIS_URL)")
    if not reachable(url):
        pytest.skip(f"Redis at {url} is unreachable")
    return url


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on a free port, as the site's mail transport."""
    from aiosmtpd.controller import Controller

    from letters import transport

    from .mail_helpers import Inbox, free_port

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    transport.close()
    yield inbox
    transport.close()
    controller.stop()


@contextmanager
def _worker_thread():
    """A real Celery worker in a thread, consuming both queues as the Procfile's."""
    from celery.contrib.testing.worker import start_worker
    from django.db import connection

    from campaign.celery import app

    if connection.vendor == "sqlite":
        # The test database is SQLite's shared in-memory one, locked per table;
        # this thread only reads while the worker thread writes.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA read_uncommitted = 1")
    app.control.purge()
    with start_worker(
        app,
        pool="solo",
        perform_ping_check=False,
        loglevel="WARNING",
        queues=["celery", "email"],  # as the Procfile; the choice sticks to the app
    ):
        yield


@pytest.fixture
def worker(request):
    """A real worker on the configured broker: Redis when REDIS_URL is set (CI),
    else kombu's in-process transport, which still exercises the worker."""
    if settings.REDIS_URL:
        request.getfixturevalue("redis_url")
    with _worker_thread():
        yield


@pytest.fixture
def email_worker(redis_url):
    """A real worker on Redis, as production sends mail."""
    with _worker_thread():
        yield


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the site's language.

    The test client runs LocaleMiddleware in the test's own thread, and the
    language a request activates stays active after it returns.
    """
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _no_ballot_record_kept():
    """Each test starts with no ballot record kept by an earlier one: ids come
    back after a rollback, and a kept record only proves stale (a wasted read)
    once its page is read."""
    from campaign import pagecache

    pagecache._records.clear()
