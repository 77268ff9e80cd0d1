"""A send task's batch: more due rows of its mailing, each claimed and marked alone."""

import re
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from letters import delivery, tasks, transport
from letters.delivery import Recipient
from letters.ledger import Delivery, DeliveryAttempt, DeliveryStatus, Mailing

from .factories import MissionContactFactory

pytestmark = pytest.mark.django_db
S = DeliveryStatus


class CountingBackend:
    """Delivers into mail.outbox; counts connections and can act between sends."""

    opened = 0
    after_each = None

    def __init__(self, **kwargs):
        pass

    def open(self):
        CountingBackend.opened += 1
        return True

    def close(self):
        pass

    def send_messages(self, messages):
        mail.outbox.extend(messages)
        if CountingBackend.after_each:
            CountingBackend.after_each(messages[0])
        return len(messages)


@pytest.fixture(autouse=True)
def counting(settings, monkeypatch):
    settings.EMAIL_BACKEND = "tests.test_ledger_batch.CountingBackend"
    CountingBackend.opened = 0
    CountingBackend.after_each = None
    monkeypatch.setattr(
        tasks.send_delivery, "apply_async", lambda *args, **kwargs: None
    )
    transport.close()
    yield CountingBackend
    transport.close()


def launch(count: int, **kwargs) -> Mailing:
    return delivery.launch_mailing(
        name="Appeal",
        kind=Mailing.Kind.APPEAL,
        recipients=[
            Recipient.for_contact(MissionContactFactory()) for _ in range(count)
        ],
        subject_template="Appeal to {{ state_name }}",
        text_template="Dear {{ contact_name }}",
        **kwargs,
    )


def rows(mailing: Mailing) -> list[Delivery]:
    return list(mailing.deliveries.order_by("pk"))


def sent_to() -> list[str]:
    return [message.to[0] for message in mail.outbox]


def test_a_batch_sends_the_other_due_rows_of_its_mailing_over_one_connection(
    counting,
):
    mailing = launch(12)
    other = launch(2)
    first = rows(mailing)[0]

    assert delivery.send_deliveries(delivery_id=first.pk, worker="w1") == 12

    assert sorted(sent_to()) == sorted(row.to_email for row in rows(mailing))
    assert counting.opened == 1
    for row in rows(mailing):
        assert (row.status, row.attempts, row.lease_until) == (S.SENT, 1, None)
        [attempt] = row.attempt_log.all()
        assert (attempt.outcome, attempt.worker) == ("sent", "w1")
    assert {row.status for row in rows(other)} == {S.QUEUED}


def test_a_batch_leaves_rows_another_worker_holds_and_rows_not_yet_due(counting):
    mailing = launch(6)
    first, held, waiting, *rest = rows(mailing)
    now = timezone.now()
    lease = now + timedelta(minutes=1)
    assert delivery._claim(held, now, "w2")
    Delivery.objects.filter(pk=waiting.pk).update(
        next_attempt_at=now + timedelta(hours=1)
    )

    assert delivery.send_deliveries(delivery_id=first.pk, worker="w1") == 4

    assert sorted(sent_to()) == sorted(r.to_email for r in [first, *rest])
    held.refresh_from_db()
    assert (held.status, held.attempts) == (S.SENDING, 1)
    assert held.lease_until >= lease
    assert not held.attempt_log.exists()
    assert Delivery.objects.get(pk=waiting.pk).status == S.QUEUED


def test_a_row_taken_by_another_worker_after_the_batch_read_it_is_left_to_that_worker(
    counting, monkeypatch
):
    mailing = launch(8)
    first, *others = rows(mailing)
    taken = []
    read = delivery._due_rows

    def read_then_lose_one(*args, **kwargs):
        chunk = read(*args, **kwargs)
        if chunk and not taken:
            # Another worker wins the compare-and-set for a row this batch holds
            # in memory as still queued.
            rival = Delivery.objects.get(pk=chunk[0].pk)
            assert delivery._claim(rival, timezone.now(), "w2")
            taken.append(rival.pk)
        return chunk

    monkeypatch.setattr(delivery, "_due_rows", read_then_lose_one)

    assert delivery.send_deliveries(delivery_id=first.pk, worker="w1") == 7

    [lost] = taken
    lost_row = Delivery.objects.get(pk=lost)
    assert lost_row.to_email not in sent_to()
    assert (lost_row.status, lost_row.attempts) == (S.SENDING, 1)
    assert not DeliveryAttempt.objects.filter(delivery=lost_row).exists()
    assert len(sent_to()) == len(set(sent_to())) == 7


def test_a_batch_stops_at_its_row_limit():
    mailing = launch(7)

    assert delivery.send_deliveries(delivery_id=rows(mailing)[0].pk, limit=3) == 3

    assert len(mail.outbox) == 3
    assert mailing.deliveries.counts_by_status()[S.QUEUED] == 4


def test_a_batch_stops_at_its_time_limit(counting):
    mailing = launch(7)
    now = [100.0]
    counting.after_each = lambda message: now.__setitem__(0, now[0] + 1.0)

    sent = delivery.send_deliveries(
        delivery_id=rows(mailing)[0].pk, seconds=2.5, clock=lambda: now[0]
    )

    # Sends start at 100, 101 and 102; at 103 the 2.5 seconds are over.
    assert sent == len(mail.outbox) == 3
    assert mailing.deliveries.counts_by_status()[S.QUEUED] == 4


def test_pausing_the_mailing_stops_a_batch_before_its_next_send(counting):
    mailing = launch(8)

    def pause_after_second(message):
        if len(mail.outbox) == 2:
            delivery.set_mailing_status(mailing=mailing, status=Mailing.Status.PAUSED)

    counting.after_each = pause_after_second

    assert delivery.send_deliveries(delivery_id=rows(mailing)[0].pk) == 2

    assert len(mail.outbox) == 2
    assert mailing.deliveries.counts_by_status()[S.QUEUED] == 6


def test_a_hint_for_a_row_already_sent_still_sends_its_mailings_due_rows():
    mailing = launch(3)
    first, *_ = rows(mailing)
    assert delivery.send_delivery(delivery_id=first.pk) == S.SENT

    assert delivery.send_deliveries(delivery_id=first.pk) == 2
    assert delivery.send_deliveries(delivery_id=first.pk) == 0

    assert len(mail.outbox) == 3
    assert {row.status for row in rows(mailing)} == {S.SENT}


def test_the_send_task_runs_a_batch_bounded_well_inside_its_time_limit():
    mailing = launch(4)

    tasks.send_delivery.run(rows(mailing)[0].pk)

    assert {row.status for row in rows(mailing)} == {S.SENT}
    task = tasks.send_delivery
    assert 0 < django_settings.EMAIL_BATCH_SECONDS * 4 <= task.time_limit
    # The last send may take a whole SMTP timeout and still end before the
    # soft limit, which ends before the hard one, which ends before the lease.
    assert (
        django_settings.EMAIL_BATCH_SECONDS + django_settings.EMAIL_TIMEOUT
        < task.soft_time_limit
        < task.time_limit
        < django_settings.EMAIL_LEASE_SECONDS
    )
    assert django_settings.EMAIL_BATCH_SIZE >= 1


# What goes over the wire


def _same_boundaries(data: bytes) -> bytes:
    for boundary in set(re.findall(rb'boundary="([^"]+)"', data)):
        data = data.replace(boundary, b"BOUNDARY")
    return re.sub(rb"Date: [^\r]*", b"Date: -", data)


@pytest.mark.parametrize(
    "subject",
    [
        "Appeal to France",
        "Призыв к Российской Федерации: голосуйте за A/C.3/69/L.28/Rev.1",
        "نداء إلى الجمهورية العربية السورية",
        "A subject long enough that the standard policy has to fold it over "
        "two lines or more, as RFC 5322 asks",
        "Tabs\tand  double  spaces, kept",
    ],
)
@pytest.mark.parametrize("html", ["", "<p>Excellence,</p><p>votez oui.</p>"])
def test_ledger_messages_are_written_byte_for_byte_as_django_writes_them(subject, html):
    fields = {
        "subject": subject,
        "body": "Excellence,\n\nvotez oui sur A/C.3/69/L.28/Rev.1.\n",
        "from_email": "Coalition pour les droits humains <campaign@example.org>",
        "to": ["Mission permanente de la France <france@missions.example.org>"],
        "reply_to": ["Équipe ONU <lead@amnesty.example>"],
        "headers": {
            "Message-ID": "<4b4c1a1e-7d1c-4ff4-9a53-8f1d2f9d3b8e@example.org>",
            "List-Id": "<appeal.example.org>",
            "Content-Language": "fr",
        },
    }
    ours, django = transport.Email(**fields), EmailMultiAlternatives(**fields)
    if html:
        ours.attach_alternative(html, "text/html")
        django.attach_alternative(html, "text/html")

    written = ours.message().as_bytes(linesep="\r\n")

    assert _same_boundaries(written) == _same_boundaries(
        django.message().as_bytes(linesep="\r\n")
    )
    assert (b"BOUNDARY" in _same_boundaries(written)) == bool(html)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Peers:
    def __init__(self):
        self.seen = []

    async def handle_DATA(self, server, session, envelope):
        self.seen.append((session.peer, envelope.rcpt_tos[0]))
        return "250 Message accepted"


def test_a_batch_over_real_smtp_sends_every_row_once_over_one_connection(settings):
    peers = Peers()
    controller = Controller(peers, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    transport.close()
    try:
        mailing = launch(15)
        assert delivery.send_deliveries(delivery_id=rows(mailing)[3].pk) == 15
    finally:
        transport.close()
        controller.stop()

    assert sorted(to for _, to in peers.seen) == sorted(
        row.to_email for row in rows(mailing)
    )
    assert len({peer for peer, _ in peers.seen}) == 1
    assert {row.status for row in rows(mailing)} == {S.SENT}


def test_launching_publishes_one_hint_per_batch_and_the_hints_reach_every_row(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.EMAIL_BATCH_SIZE = 10
    hinted = []
    monkeypatch.setattr(
        tasks.send_delivery,
        "apply_async",
        lambda args, **kwargs: hinted.append(args[0]),
    )
    with django_capture_on_commit_callbacks(execute=True):
        mailing = launch(25)
    ids = [row.pk for row in rows(mailing)]
    assert hinted == [ids[0], ids[10], ids[20]]
    for pk in hinted:
        tasks.send_delivery.run(pk)
    assert {row.status for row in rows(mailing)} == {S.SENT}
    assert sorted(sent_to()) == sorted(row.to_email for row in rows(mailing))


@pytest.mark.django_db(transaction=True)
def test_a_batch_writes_each_mark_with_the_next_claim_and_the_last_mark_alone():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    mailing = launch(4)
    first, *_ = rows(mailing)
    with CaptureQueriesContext(connection) as queries:
        assert delivery.send_deliveries(delivery_id=first.pk) == 4
    assert {row.status for row in rows(mailing)} == {S.SENT}
    assert DeliveryAttempt.objects.filter(delivery__mailing=mailing).count() == 4
    if connection.vendor == "postgresql":
        texts = [q["sql"] for q in queries.captured_queries]
        # The task's own row is marked before the batch reads more rows; of the
        # three read, the first two marks go with the next claims, the last alone.
        assert sum("'sent'" in t and "+ 1" in t for t in texts) == 2
        assert sum("'sent'" in t and "+ 1" not in t for t in texts) == 2


def test_a_held_mark_is_written_alone_when_the_claim_it_travels_with_fails(
    monkeypatch,
):
    from django.db import DatabaseError

    from letters import ledger_sql

    mailing = launch(1)
    [row] = rows(mailing)
    assert delivery.send_delivery(delivery_id=row.pk) == S.SENT
    Delivery.objects.filter(pk=row.pk).update(status=S.SENDING)
    marks = delivery.HeldMark()
    row.refresh_from_db()
    marks.hold(row, delivery._finish_statements(row, **_sent()), "")
    real = ledger_sql.run_atomically

    def failing(statements):
        if len(statements) > 2:
            raise DatabaseError("the claim failed")
        return real(statements)

    monkeypatch.setattr(ledger_sql, "run_atomically", failing)
    with pytest.raises(DatabaseError):
        marks.with_claim(("UPDATE letters_delivery SET attempts = attempts", []))
    marks.flush()
    row.refresh_from_db()
    assert row.status == S.SENT


def _sent() -> dict:
    from django.utils import timezone

    return {
        "outcome": DeliveryAttempt.Outcome.SENT,
        "started": timezone.now(),
        "worker": "test",
        "status": S.SENT,
        "sent_at": timezone.now(),
        "last_error": "",
    }
