"""A due reminder through beat's task, a real worker and a real SMTP server."""

import email
import email.policy
import socket
import time

import pytest
from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection

from campaign.celery import app
from campaign.models import Outcome
from letters import schedule, tasks, transport
from letters.reminders import Reminder, ReminderRule

from .factories import CampaignFactory, ReminderRuleFactory, SubscriptionFactory

pytestmark = [pytest.mark.real_worker, pytest.mark.django_db(transaction=True)]


class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (
                envelope.rcpt_tos,
                email.message_from_bytes(envelope.content, policy=email.policy.default),
            )
        )
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    transport.close()
    yield inbox
    transport.close()
    controller.stop()


@pytest.fixture
def worker(request):
    if settings.REDIS_URL:
        request.getfixturevalue("redis_url")
    if connection.vendor == "sqlite":
        # The shared in-memory test database is locked per table; this thread
        # only reads while the worker thread writes.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA read_uncommitted = 1")
    app.control.purge()
    with start_worker(
        app,
        pool="solo",
        perform_ping_check=False,
        loglevel="WARNING",
        queues=["celery", "email"],  # as the Procfile
    ):
        yield


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_a_due_result_reminder_reaches_a_subscriber_once_over_smtp(smtp_server, worker):
    rule = ReminderRuleFactory(
        campaign=CampaignFactory(),
        audience=ReminderRule.Audience.SUBSCRIBERS_RESULT,
        offset_days=0,
        ballot__outcome=Outcome.ADOPTED,
        ballot__reported_yes=111,
        ballot__reported_no=19,
        ballot__reported_abstain=55,
    )
    schedule.save_reminder_rule(rule=rule)
    subscriber = SubscriptionFactory(series=rule.campaign.series)

    # What beat does each minute, twice over: the second run finds nothing due.
    tasks.dispatch_due_reminders.delay()
    tasks.dispatch_due_reminders.delay()

    assert wait_for(lambda: len(smtp_server.messages) >= 1)
    assert wait_for(
        lambda: Reminder.objects.filter(status="sent").count() == 1, timeout=5
    )
    time.sleep(1.5)  # room for a duplicate to arrive, were there one
    assert len(smtp_server.messages) == 1
    recipients, message = smtp_server.messages[0]
    assert recipients == [subscriber.email]
    # Long headers are folded; unfolded, the value is exactly this.
    assert message["List-Unsubscribe"].strip() == (
        f"<{settings.SITE_URL}/unsubscribe/{subscriber.token}/>, "
        f"<mailto:{settings.DEFAULT_FROM_EMAIL}?subject=unsubscribe-{subscriber.token}>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert (
        "111 in favour, 19 against, 55 abstentions"
        in message.get_body(("plain",)).get_content()
    )
    assert Reminder.objects.get().recipient_count == 1
