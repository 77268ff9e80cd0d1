"""deliver(): every email is a row in the delivery ledger before anything is sent."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.urls import reverse

from accounts import services as accounts_services
from accounts.models import Role
from campaign.models import MemberState, Outcome, Vote
from letters import outgoing, schedule, subscriptions
from letters.headers import UnsafeHeader
from letters.ledger import Delivery, DeliveryStatus, Mailing
from letters.reminders import Reminder, ReminderRule

from .factories import (
    MembershipFactory,
    ReminderRuleFactory,
    SeriesFactory,
    SubscriptionFactory,
)

pytestmark = pytest.mark.django_db


def staff_digest(**kwargs):
    return outgoing.deliver(
        kind="reminder:staff-digest",
        recipients=["ana@ngo.example", "ben@ngo.example"],
        subject="Seven days to the vote",
        text="What needs doing.",
        html="<p>What needs doing.</p>",
        key="reminder:1",
        **kwargs,
    )


def test_deliver_writes_one_row_per_address_with_the_text_frozen_on_it():
    assert staff_digest() == 2

    mailing = Mailing.objects.get()
    assert (mailing.kind, mailing.name) == (
        Mailing.Kind.REMINDER,
        "Seven days to the vote",
    )
    rows = list(mailing.deliveries.order_by("to_email"))
    assert [r.to_email for r in rows] == ["ana@ngo.example", "ben@ngo.example"]
    assert {r.contact_id for r in rows} == {None}
    assert {r.status for r in rows} == {DeliveryStatus.QUEUED}
    assert {(r.subject, r.text_body, r.html_body) for r in rows} == {
        ("Seven days to the vote", "What needs doing.", "<p>What needs doing.</p>")
    }
    assert rows[0].headers == {"X-Campaign-Kind": "reminder:staff-digest"}
    assert rows[0].idempotency_key == outgoing.idempotency_key(
        key="reminder:1", address="ana@ngo.example"
    )


def test_the_same_occurrence_delivered_again_writes_nothing_new():
    staff_digest()
    assert staff_digest() == 0
    assert Delivery.objects.count() == 2
    assert Mailing.objects.count() == 1


def test_workers_are_told_only_after_commit_and_send_each_row_once(
    eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        staff_digest()
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    for callback in callbacks:  # a repeated hint finds the rows already sent
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ana@ngo.example",
        "ben@ngo.example",
    ]
    message = mail.outbox[0]
    row = Delivery.objects.get(to_email=message.to[0])
    assert message.extra_headers["Message-ID"] == row.message_id
    assert message.extra_headers["X-Campaign-Kind"] == "reminder:staff-digest"
    assert row.status == DeliveryStatus.SENT


def test_nothing_is_written_or_told_when_the_caller_rolls_back(
    django_capture_on_commit_callbacks,
):
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        staff_digest()
        raise RuntimeError
    assert not Delivery.objects.exists()
    assert callbacks == []


@pytest.mark.parametrize(
    "headers",
    [
        {"Message-ID": "<mine@example.org>"},
        {"list-id": "<other.example.org>"},
        {"List-Unsubscribe": "<https://x.example/>\r\nBcc: victim@example.org"},
    ],
)
def test_a_message_may_not_set_the_ledgers_headers_or_break_a_line(headers):
    with pytest.raises(UnsafeHeader):
        outgoing.deliver(
            kind="alert",
            recipients=["ana@ngo.example"],
            subject="Hello",
            text="Body",
            headers=headers,
            key="alert:1",
        )
    assert not Delivery.objects.exists()


def test_kinds_of_mail_name_the_mailings_kind():
    assert outgoing.mailing_kind("appeal:follow-up") == Mailing.Kind.APPEAL
    assert outgoing.mailing_kind("subscription:result") == Mailing.Kind.SUBSCRIPTION
    assert outgoing.mailing_kind("alert:digest") == Mailing.Kind.ALERT
    assert outgoing.mailing_kind("account:invitation") == Mailing.Kind.NOTICE


# Subscribers


def test_each_subscriber_gets_a_row_with_their_own_unsubscribe_headers(
    eager_tasks, django_capture_on_commit_callbacks
):
    rule = ReminderRuleFactory(
        audience=ReminderRule.Audience.SUBSCRIBERS_RESULT,
        offset_days=0,
        ballot__outcome=Outcome.ADOPTED,
    )
    Vote.objects.create(
        ballot=rule.ballot, state=MemberState.objects.get(iso3="FRA"), position="Y"
    )
    schedule.save_reminder_rule(rule=rule)
    first, second = (SubscriptionFactory(series=rule.campaign.series) for _ in "12")
    reminder = rule.reminders.get()

    with (
        time_machine.travel(reminder.due_at, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert schedule.dispatch_due_reminders().sent == 1

    mailing = Mailing.objects.get()
    assert mailing.kind == Mailing.Kind.SUBSCRIPTION
    assert mailing.campaign is None  # the list of subscribers is never shown
    for subscription in (first, second):
        row = Delivery.objects.get(to_email=subscription.email)
        assert row.headers == {
            **subscriptions.list_headers(subscription.token),
            "X-Campaign-Kind": "subscription:result",
        }
        assert f"/unsubscribe/{subscription.token}/" in row.text_body
        [message] = [m for m in mail.outbox if m.to == [subscription.email]]
        assert message.extra_headers["List-Unsubscribe"].startswith(
            f"<http://127.0.0.1:8000/unsubscribe/{subscription.token}/>"
        )
        assert message.extra_headers["List-Unsubscribe-Post"] == (
            "List-Unsubscribe=One-Click"
        )
    assert Reminder.objects.get().recipient_count == 2


def test_a_confirmation_request_is_a_ledger_row_with_unsubscribe_headers():
    series = SeriesFactory()
    subscriptions.subscribe(series=series, email="Reader@Example.net", ip_digest="x")
    row = Delivery.objects.get()
    subscription = series.subscriptions.get()
    assert row.to_email == "reader@example.net"
    assert row.mailing.kind == Mailing.Kind.SUBSCRIPTION
    assert row.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert subscription.token in row.headers["List-Unsubscribe"]


# Reminders are marked sent in the transaction that writes their messages


def test_a_reminder_whose_claim_was_lost_leaves_no_messages(monkeypatch):
    rule = ReminderRuleFactory()
    MembershipFactory(organisation=rule.campaign.lead, role=Role.DRAFTER)
    schedule.save_reminder_rule(rule=rule)
    due = rule.reminders.get().due_at
    real_finish = schedule._finish

    def lost(reminder_id, worker, **fields):
        if fields.get("status") == Reminder.Status.SENT:
            return False  # another dispatcher took the row over meanwhile
        return real_finish(reminder_id, worker, **fields)

    monkeypatch.setattr(schedule, "_finish", lost)
    with time_machine.travel(due, tick=False):
        schedule.dispatch_due_reminders()
    assert not Delivery.objects.exists()

    monkeypatch.setattr(schedule, "_finish", real_finish)
    Reminder.objects.update(
        status=Reminder.Status.PENDING, claimed_at=None, claimed_by=""
    )
    with time_machine.travel(due + datetime.timedelta(minutes=1), tick=False):
        schedule.dispatch_due_reminders()
    assert Delivery.objects.count() == 1
    assert Mailing.objects.get().campaign == rule.campaign


# Account and letter notices


def test_an_invitation_is_queued_with_the_invitation_itself():
    admin = MembershipFactory(role=Role.ADMIN)
    with pytest.raises(RuntimeError), transaction.atomic():
        accounts_services.invite_member(
            organisation=admin.organisation,
            email="new@example.org",
            role=Role.DRAFTER,
            by=admin.user,
        )
        raise RuntimeError
    assert not Delivery.objects.exists()

    accounts_services.invite_member(
        organisation=admin.organisation,
        email="new@example.org",
        role=Role.DRAFTER,
        by=admin.user,
    )
    row = Delivery.objects.get()
    assert row.to_email == "new@example.org"
    assert row.mailing.kind == Mailing.Kind.NOTICE
    assert "/accounts/invitations/" in row.text_body


def test_a_password_reset_request_is_a_ledger_row():
    user = MembershipFactory(role=Role.VIEWER).user
    accounts_services.request_password_reset(email=user.email.upper())
    accounts_services.request_password_reset(email="nobody@example.org")
    row = Delivery.objects.get()
    assert row.to_email == user.email
    assert "/accounts/password-reset/" in row.text_body


# Who sees which mailings


def test_staff_do_not_see_mailings_to_one_person(client):
    staff_digest()
    outgoing.deliver(
        kind="alert",
        recipients=["ana@ngo.example"],
        subject="[Alert] France cosponsors",
        text="Body",
        key="alert:1",
    )
    subscriptions.subscribe(
        series=SeriesFactory(), email="reader@example.net", ip_digest="x"
    )
    client.force_login(MembershipFactory(role=Role.VIEWER).user)
    listing = client.get(reverse("letters:mailing_list")).content.decode()
    assert "Seven days to the vote" in listing
    assert "[Alert]" not in listing
    assert "Confirm" not in listing
    private = Mailing.objects.get(kind=Mailing.Kind.SUBSCRIPTION)
    url = reverse("letters:mailing_detail", args=[private.pk])
    assert client.get(url).status_code == 404
