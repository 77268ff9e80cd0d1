"""A due reminder through beat's task, a real worker and a real SMTP server."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from campaign.celery import app
from campaign.models import Outcome
from letters import schedule, tasks
from letters.reminders import Reminder, ReminderRule

from .factories import CampaignFactory, ReminderRuleFactory, SubscriptionFactory

pytestmark = [pytest.mark.real_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(request):
    if settings.REDIS_URL:
        request.getfixturevalue("redis_url")
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
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
