"""Shared fixtures; and in CI (REQUIRE_SERVICES=1) a skipped test is a failed one."""

import os
import socket
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
    # After the session's last test the test database is already gone.
    if marker and marker.kwargs.get("transaction") and nextitem is not None:
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


@pytest.fixture
def redis_url():
    url = settings.REDIS_URL
    if not url:
        pytest.skip("Redis is not configured (set REDIS_URL)")
    if not reachable(url):
        pytest.skip(f"Redis at {url} is unreachable")
    return url
