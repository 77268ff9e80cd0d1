"""The re-approval notice goes through a real Celery worker on the configured broker."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail

from campaign.celery import app
from letters import services

from .conftest import BODY, sign_all

pytestmark = [pytest.mark.real_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(request):
    if settings.REDIS_URL:
        request.getfixturevalue("redis_url")
    with start_worker(
        app,
        pool="solo",
        perform_ping_check=False,
        loglevel="WARNING",
        queues=["celery", "email"],  # as the Procfile: the notice, then its mail
    ):
        yield


def wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_editing_a_signed_letter_mails_its_signatories_through_the_worker(
    worker, letter, coalition
):
    sign_all(letter, coalition)
    services.save_version(
        letter=letter,
        language="en",
        subject="Please vote yes — {{ state }}",
        body_source=BODY + "\nA new closing line.",
        by=coalition.drafter,
    )
    assert wait_for(lambda: len(mail.outbox) == 2)
    recipients = {address for message in mail.outbox for address in message.to}
    assert recipients == {
        coalition.lead_signatory.email,
        coalition.partner_signatory.email,
    }
    assert all("+ A new closing line." in m.body for m in mail.outbox)
