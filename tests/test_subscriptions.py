import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from letters import subscriptions
from letters.reminders import Subscription

from .factories import SeriesFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db

START = datetime.datetime(2014, 11, 1, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def series():
    return SeriesFactory(slug="dprk")


def form_at(client, url, moment):
    """Load the form at ``moment`` and return its signed stamp."""
    with time_machine.travel(moment, tick=False):
        body = client.get(url).content.decode()
    return re.search(r'name="stamp" value="([^"]+)"', body).group(1)


def post(client, url, *, email, at, loaded_at=None, **extra):
    stamp = form_at(client, url, loaded_at or at - datetime.timedelta(seconds=20))
    with time_machine.travel(at, tick=False):
        return client.post(
            url, {"email": email, "website": "", "stamp": stamp, **extra}
        )


def test_subscribing_mails_a_confirmation_and_confirming_activates(
    client, series, eager_tasks, django_capture_on_commit_callbacks
):
    url = reverse("subscriptions:subscribe", args=[series.slug])
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, url, email="Reader@Example.NET", at=START)
    assert response.status_code == 302
    subscription = Subscription.objects.get()
    assert subscription.email == "reader@example.net"
    assert not subscription.is_active
    assert subscription.created_ip_hash == subscriptions.ip_hash("127.0.0.1")
    assert subscription.created_ip_hash != "127.0.0.1"

    [message] = mail.outbox
    assert message.to == ["reader@example.net"]
    assert message.extra_headers["List-Unsubscribe-Post"] == (
        "List-Unsubscribe=One-Click"
    )
    link = re.search(r"http://127\.0\.0\.1:8000(/subscriptions/\S+/)", message.body)
    with time_machine.travel(START + datetime.timedelta(hours=1), tick=False):
        # Opening the link (as a mail scanner would) confirms nothing.
        assert client.get(link.group(1)).status_code == 200
        assert not Subscription.objects.get().is_active
        client.post(link.group(1))
    assert Subscription.objects.get().is_active
    with time_machine.travel(START + datetime.timedelta(days=8), tick=False):
        assert client.get(link.group(1)).status_code == 404  # links expire


def test_an_address_already_subscribed_gets_no_new_mail_and_the_page_says_the_same(
    client, series, eager_tasks, django_capture_on_commit_callbacks
):
    SubscriptionFactory(series=series, email="known@example.net")
    url = reverse("subscriptions:subscribe", args=[series.slug])
    with django_capture_on_commit_callbacks(execute=True):
        known = post(client, url, email="known@example.net", at=START)
        new = post(client, url, email="new@example.net", at=START)
    assert known.status_code == new.status_code == 302
    assert known["Location"] == new["Location"]
    assert [m.to for m in mail.outbox] == [["new@example.net"]]


def test_the_honeypot_drops_the_request_silently(client, series):
    url = reverse("subscriptions:subscribe", args=[series.slug])
    response = post(client, url, email="bot@example.net", at=START, website="x")
    assert response.status_code == 302
    assert not Subscription.objects.exists()


def test_a_form_sent_faster_than_a_person_types_is_refused_with_a_message(
    client, series
):
    url = reverse("subscriptions:subscribe", args=[series.slug])
    response = post(
        client,
        url,
        email="fast@example.net",
        at=START,
        loaded_at=START - datetime.timedelta(seconds=1),
    )
    assert response.status_code == 400
    assert "quicker than a person types" in response.content.decode()
    assert not Subscription.objects.exists()


def test_a_forged_or_stale_stamp_is_refused(client, series):
    url = reverse("subscriptions:subscribe", args=[series.slug])
    with time_machine.travel(START, tick=False):
        forged = client.post(
            url, {"email": "a@example.net", "website": "", "stamp": "123"}
        )
    stale = post(
        client,
        url,
        email="b@example.net",
        at=START,
        loaded_at=START - datetime.timedelta(days=2),
    )
    assert forged.status_code == stale.status_code == 400
    assert "expired" in stale.content.decode()
    assert not Subscription.objects.exists()


def test_one_visitor_is_limited_to_five_requests_an_hour(client, series):
    url = reverse("subscriptions:subscribe", args=[series.slug])
    codes = [
        post(client, url, email=f"r{n}@example.net", at=START).status_code
        for n in range(6)
    ]
    assert codes == [302] * 5 + [429]
    assert Subscription.objects.count() == 5
    assert (
        "Too many requests"
        in post(client, url, email="r7@example.net", at=START).content.decode()
    )


def test_one_address_gets_at_most_three_confirmations_a_day(series):
    for n in range(3):
        subscriptions.subscribe(
            series=series, email="target@example.net", ip_digest=f"ip{n}"
        )
    with pytest.raises(subscriptions.RateLimited):
        subscriptions.subscribe(
            series=series, email="target@example.net", ip_digest="ip9"
        )


def test_one_click_unsubscribe_is_a_csrf_free_idempotent_post(series):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    subscription = SubscriptionFactory(series=series)
    url = reverse("subscriptions:unsubscribe", args=[subscription.token])

    page = client.get(url)
    assert page.status_code == 200
    assert Subscription.objects.get().is_active

    first = client.post(url, {"List-Unsubscribe": "One-Click"})
    moment = Subscription.objects.get().unsubscribed_at
    second = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert first.status_code == second.status_code == 200
    assert moment is not None
    assert Subscription.objects.get().unsubscribed_at == moment
    assert (
        client.post(reverse("subscriptions:unsubscribe", args=["nope"])).status_code
        == 404
    )


def test_a_tampered_confirmation_link_confirms_nothing(client, series):
    SubscriptionFactory(series=series, confirmed_at=None)
    url = reverse("subscriptions:confirm", args=["not-a-signed-token"])
    assert client.post(url).status_code == 404
    assert not Subscription.objects.active().exists()


def test_the_subscription_page_needs_no_inline_script_or_style(client, series):
    body = client.get(
        reverse("subscriptions:subscribe", args=[series.slug])
    ).content.decode()
    assert "style=" not in body
    assert "<script>" not in body
    assert 'class="hp-field"' in body


def test_the_admin_lists_no_subscriber_addresses(admin_client, series):
    SubscriptionFactory(series=series, email="private-reader@example.net")
    for model in ("reminderrule", "reminder", "follow", "alertevent", "subscription"):
        url = reverse(f"admin:letters_{model}_changelist")
        response = admin_client.get(url)
        assert response.status_code == 200, url
    body = admin_client.get(
        reverse("admin:letters_subscription_changelist")
    ).content.decode()
    assert "private-reader" not in body
    found = admin_client.get(
        reverse("admin:letters_subscription_changelist"),
        {"q": "private-reader@example.net"},
    ).content.decode()
    assert "1 subscription" in found
