"""Reminders, alerts and subscription mail: the ledger, a real worker, real SMTP."""

import time

import pytest
from django.conf import settings

from accounts.models import Role
from campaign import services
from campaign.models import Outcome
from letters import alerts, delivery, schedule, subscriptions, tasks
from letters.ledger import Delivery, DeliveryStatus, Mailing
from letters.reminders import Reminder, ReminderRule

from .factories import (
    BallotFactory,
    CampaignFactory,
    MembershipFactory,
    ReminderRuleFactory,
    SubscriptionFactory,
)
from .mail_helpers import wait_for

pytestmark = [pytest.mark.real_worker, pytest.mark.django_db(transaction=True)]


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
    # The message is the ledger's row: its key is the Message-ID, its headers its own.
    row = Delivery.objects.get()
    assert message["Message-ID"] == row.message_id
    assert row.status == DeliveryStatus.SENT
    assert row.mailing.kind == Mailing.Kind.SUBSCRIPTION
    assert row.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The sweeper finds nothing left to send.
    assert delivery.sweep_deliveries() == 0
    time.sleep(1)
    assert len(smtp_server.messages) == 1


def test_alerts_confirmations_and_staff_reminders_leave_once_each_by_the_ledger(
    smtp_server, worker
):
    campaign = CampaignFactory()
    drafter = MembershipFactory(organisation=campaign.lead, role=Role.DRAFTER).user
    follower = MembershipFactory(organisation=campaign.lead, role=Role.VIEWER).user
    alerts.follow(user=follower, series=campaign.series, frequency="immediate")
    ballot = BallotFactory(document__series=campaign.series)
    rule = ReminderRuleFactory(campaign=campaign, ballot=ballot, offset_days=0)
    schedule.save_reminder_rule(rule=rule)

    services.record_votes(
        ballot=ballot, positions={"FRA": "Y", "JPN": "Y", "CUB": "N"}, by=drafter
    )
    subscriptions.subscribe(
        series=campaign.series, email="reader@example.net", ip_digest="e2e"
    )
    tasks.dispatch_due_reminders.delay()
    tasks.dispatch_due_reminders.delay()

    rows = Delivery.objects.all()
    assert wait_for(lambda: rows.count() == 4 and not rows.pending().exists())
    time.sleep(1.5)  # room for a duplicate to arrive, were there one
    delivery.sweep_deliveries()
    time.sleep(1)

    by_id = {
        message["Message-ID"]: (to, message) for to, message in smtp_server.messages
    }
    assert len(smtp_server.messages) == 4 == len(by_id)
    assert set(by_id) == {row.message_id for row in rows}
    assert set(rows.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    # Long headers are folded; unfolded, each value is exactly this.
    subjects = [(to[0], str(m["Subject"]).strip()) for to, m in by_id.values()]
    assert sorted(to for to, subject in subjects if subject == rule.subject) == sorted(
        [drafter.email, follower.email]
    )
    [confirming] = [s for to, s in subjects if to == "reader@example.net"]
    assert confirming.startswith("Confirm: results of")
    [(_, alert)] = [
        m for m in by_id.values() if str(m[1]["Subject"]).strip().startswith("[Alert]")
    ]
    assert "2 in favour, 1 against" in str(alert["Subject"])
    assert alert["X-Campaign-Kind"] == "alert"
    confirm = next(m for to, m in by_id.values() if to == ["reader@example.net"])
    token = campaign.series.subscriptions.get().token
    assert f"/unsubscribe/{token}/" in confirm["List-Unsubscribe"]
