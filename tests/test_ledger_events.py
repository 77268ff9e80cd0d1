import base64
import csv
import io
import json

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Role
from campaign.models import Mission
from letters import delivery, headers, tasks, transport
from letters.delivery import Recipient
from letters.ledger import (
    Delivery,
    DeliveryEvent,
    DeliveryStatus,
    InboundReply,
    Mailing,
    Suppression,
)

from .factories import CampaignFactory, MembershipFactory, MissionContactFactory

pytestmark = pytest.mark.django_db

S = DeliveryStatus
SECRET = "postmark:s3cret-webhook"


@pytest.fixture(autouse=True)
def setup(settings, monkeypatch):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    monkeypatch.setattr(
        tasks.send_delivery, "apply_async", lambda *args, **kwargs: None
    )
    transport.close()
    yield
    transport.close()


def sent_row(contact=None, by=None) -> Delivery:
    contact = contact or MissionContactFactory()
    mailing = delivery.launch_mailing(
        name="Appeal",
        kind=Mailing.Kind.APPEAL,
        recipients=[Recipient.for_contact(contact)],
        subject_template="To {{ state_name }}",
        text_template="Text",
        by=by,
    )
    row = mailing.deliveries.get()
    assert delivery.send_delivery(delivery_id=row.pk) == S.SENT
    row.refresh_from_db()
    return row


def post_webhook(client, path, payload, secret=SECRET):
    auth = base64.b64encode(secret.encode()).decode()
    return client.post(
        f"/anymail/postmark/{path}/",
        data=json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {auth}",
    )


def postmark_event(row, record_type, **fields):
    return {
        "RecordType": record_type,
        "MessageID": "pm-" + str(row.idempotency_key),
        "Recipient": row.to_email,
        "Email": row.to_email,
        "Metadata": {"delivery": str(row.idempotency_key)},
        **fields,
    }


def test_delivered_event_through_the_authenticated_webhook_is_applied_once(client):
    row = sent_row()
    payload = postmark_event(row, "Delivery", DeliveredAt="2014-11-18T15:00:00Z")
    assert post_webhook(client, "tracking", payload).status_code == 200
    assert post_webhook(client, "tracking", payload).status_code == 200
    row.refresh_from_db()
    assert row.status == S.DELIVERED
    assert DeliveryEvent.objects.filter(delivery=row).count() == 1


def test_webhook_without_the_secret_changes_nothing(client):
    row = sent_row()
    payload = postmark_event(row, "Delivery", DeliveredAt="2014-11-18T15:00:00Z")
    response = post_webhook(client, "tracking", payload, secret="postmark:guess")
    assert response.status_code == 400
    anonymous = client.post(
        "/anymail/postmark/tracking/",
        data=json.dumps(payload),
        content_type="application/json",
    )
    assert anonymous.status_code == 400
    row.refresh_from_db()
    assert row.status == S.SENT
    assert not DeliveryEvent.objects.exists()


def test_events_only_move_a_row_forward():
    row = sent_row()
    key = {"delivery": str(row.idempotency_key)}
    assert (
        delivery.apply_tracking_event(
            provider="x", event_type="bounced", event_id="1", metadata=key
        )
        == S.BOUNCED
    )
    assert (
        delivery.apply_tracking_event(
            provider="x", event_type="delivered", event_id="2", metadata=key
        )
        == "stale"
    )
    row.refresh_from_db()
    assert row.status == S.BOUNCED


def test_hard_bounce_holds_the_contact_suppresses_it_and_tells_staff(
    client, django_capture_on_commit_callbacks
):
    sender = MembershipFactory(role=Role.SENDER).user
    contact = MissionContactFactory(email="old@mission.example")
    row = sent_row(contact, by=sender)
    mail.outbox.clear()
    payload = postmark_event(
        row,
        "Bounce",
        ID=4242,
        Type="HardBounce",
        BouncedAt="2014-11-18T15:00:00Z",
        Description="The server was unable to deliver your message",
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert post_webhook(client, "tracking", payload).status_code == 200
    row.refresh_from_db()
    assert row.status == S.BOUNCED
    hold = Suppression.objects.get(email="old@mission.example")
    assert hold.contact == contact and hold.reason == Suppression.Reason.BOUNCE
    [alert] = mail.outbox
    assert alert.to == [sender.email] and "on hold" in alert.subject

    later = delivery.launch_mailing(
        name="Second appeal",
        recipients=[Recipient.for_contact(contact)],
        subject_template="Again",
        text_template="Text",
    )
    assert later.deliveries.get().status == S.SUPPRESSED


def test_soft_bounce_is_recorded_without_a_hold(client):
    row = sent_row()
    payload = postmark_event(
        row, "Bounce", ID=7, Type="SoftBounce", BouncedAt="2014-11-18T15:00:00Z"
    )
    assert post_webhook(client, "tracking", payload).status_code == 200
    row.refresh_from_db()
    assert row.status == S.SENT
    assert DeliveryEvent.objects.filter(event_id="7").exists()
    assert not Suppression.objects.exists()


def test_complaint_suppresses_future_sends():
    row = sent_row()
    delivery.apply_tracking_event(
        provider="x",
        event_type="complained",
        event_id="c1",
        metadata={"delivery": str(row.idempotency_key)},
    )
    row.refresh_from_db()
    assert row.status == S.COMPLAINED
    assert Suppression.objects.get(email=row.to_email).reason == "complaint"


def test_correcting_the_address_reroutes_held_messages_with_a_new_message_id(
    django_capture_on_commit_callbacks,
):
    contact = MissionContactFactory(email="old@mission.example")
    bounced = sent_row(contact)
    delivery.apply_tracking_event(
        provider="x",
        event_type="bounced",
        event_id="b1",
        metadata={"delivery": str(bounced.idempotency_key)},
    )
    held = delivery.launch_mailing(
        name="Second",
        recipients=[Recipient.for_contact(contact)],
        subject_template="Again",
        text_template="Text",
    ).deliveries.get()
    assert held.status == S.SUPPRESSED
    old_key = bounced.idempotency_key
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        moved = delivery.correct_contact_email(
            contact=contact, email="new@mission.example"
        )
    assert moved == 2
    for row in (bounced, held):
        row.refresh_from_db()
        assert (row.status, row.to_email) == (S.QUEUED, "new@mission.example")
        assert delivery.send_delivery(delivery_id=row.pk) == S.SENT
    bounced.refresh_from_db()
    assert bounced.idempotency_key != old_key
    assert [m.to for m in mail.outbox] == [["new@mission.example"]] * 2
    assert bounced.attempt_log.filter(outcome="rerouted").exists()
    # A late replay of the old bounce finds nothing to change.
    assert (
        delivery.apply_tracking_event(
            provider="x",
            event_type="bounced",
            event_id="b2",
            metadata={"delivery": str(old_key)},
        )
        == "unknown"
    )


def test_inbound_reply_is_stored_against_the_mission_it_answers(client):
    row = sent_row()
    payload = {
        "FromFull": {"Email": "someone-else@mission.example", "Name": "Counsellor"},
        "ToFull": [{"Email": "appeals@example.org", "Name": ""}],
        "Subject": "Re: To France",
        "TextBody": "We will vote yes.",
        "MessageID": "pm-inbound-1",
        "Headers": [
            {"Name": "In-Reply-To", "Value": row.message_id},
            {"Name": "Message-ID", "Value": "<reply-1@mission.example>"},
        ],
    }
    assert post_webhook(client, "inbound", payload).status_code == 200
    assert post_webhook(client, "inbound", payload).status_code == 200
    reply = InboundReply.objects.get()
    assert reply.mission == row.contact.mission
    assert reply.delivery == row
    assert reply.text.strip() == "We will vote yes."


def test_inbound_reply_falls_back_to_the_senders_mission():
    contact = MissionContactFactory(email="pr@mission.example")
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "PR <PR@mission.example>"
    message["Subject"] = "Our position"
    message.set_content("Abstain.")
    reply = delivery.record_inbound_reply(message=message)
    assert reply.mission == contact.mission


# Header injection

INJECTIONS = [
    "Hello\r\nBcc: victim@example.org",
    "Hello\nBcc: victim@example.org",
    "Hello\rBcc: victim@example.org",
    "Hello%0aBcc: victim@example.org",
    "Hello%0D%0ABcc: victim@example.org",
    "Hello%250aBcc: victim@example.org",
    "=?utf-8?q?Hello=0ABcc:_victim@example.org?=",
    "=?utf-8?b?SGVsbG8NCkJjYzogdmljdGltQGV4YW1wbGUub3Jn?=",
    "Hello\u2028Bcc: victim@example.org",
    "Hello\u2029Bcc: victim@example.org",
    "Hello\x85Bcc: victim@example.org",
    "Hello\\r\\nBcc: victim@example.org",
    "Hello&#10;Bcc: victim@example.org",
    "Hello&#x0d;&#x0a;Bcc: victim@example.org",
]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_header_injection_payloads_are_refused_before_anything_is_written(payload):
    contact = MissionContactFactory()
    for field in ("subject_template", "name"):
        with pytest.raises(headers.UnsafeHeader, match="line break|encoded"):
            delivery.launch_mailing(
                recipients=[Recipient.for_contact(contact)],
                text_template="Body",
                **{"name": "Appeal", "subject_template": "Subject", field: payload},
            )
    with pytest.raises(headers.UnsafeHeader):
        delivery.launch_mailing(
            name="Appeal",
            recipients=[Recipient.for_contact(contact)],
            reply_to=f"lead@example.org{payload}",
        )
    assert not Mailing.objects.exists()


def test_a_rendered_subject_with_a_line_break_fails_the_delivery_unsent():
    contact = MissionContactFactory(name="Ambassador%0aBcc: victim@example.org")
    mailing = delivery.launch_mailing(
        name="Appeal",
        recipients=[Recipient.for_contact(contact)],
        subject_template="For {{ contact_name }}",
        text_template="Body",
    )
    row = mailing.deliveries.get()
    assert delivery.send_delivery(delivery_id=row.pk) == S.FAILED
    assert mail.outbox == []


def test_from_must_be_on_the_sending_domain():
    with pytest.raises(headers.UnsafeHeader, match="From must be"):
        delivery.launch_mailing(
            name="Appeal", recipients=[], from_email="boss@elsewhere.example"
        )


def test_ordinary_text_passes_the_header_check():
    for value in ["Appel à la France", "Re: A/C.3/69/L.28/Rev.1", "=?x", "100% yes"]:
        assert headers.check_header(value, field="Subject") == value


# The staff screen


def test_mailing_screen_counts_states_and_lists_every_attempt(
    client, django_assert_max_num_queries
):
    row = sent_row()
    client.force_login(MembershipFactory(role=Role.VIEWER).user)
    url = reverse("letters:mailing_detail", args=[row.mailing_id])
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-status="sent">1<' in page
    assert row.to_email in page
    assert "Sent" in page


def test_attempts_export_is_formula_safe_csv(client):
    row = sent_row(MissionContactFactory(name="=HYPERLINK(1)"))
    client.force_login(MembershipFactory(role=Role.VIEWER).user)
    response = client.get(
        reverse("letters:mailing_attempts_csv", args=[row.mailing_id])
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["state", "mission_contact", "email"]
    assert rows[1][1] == "'=HYPERLINK(1)"
    assert rows[1][3] == row.message_id
    assert rows[1][8] == "sent"


def test_a_campaigns_mailings_and_replies_are_for_its_coalition_only(client):
    campaign = CampaignFactory()
    row = sent_row()
    Mailing.objects.filter(pk=row.mailing_id).update(campaign=campaign)
    InboundReply.objects.create(
        delivery=row, mission=Mission.objects.first(), from_email="a@b.example"
    )
    url = reverse("letters:mailing_detail", args=[row.mailing_id])
    outsider = MembershipFactory(role=Role.ADMIN).user
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    member = MembershipFactory(role=Role.VIEWER, organisation=campaign.lead).user
    client.force_login(member)
    assert client.get(url).status_code == 200
    client.logout()
    assert client.get(url).status_code == 302
