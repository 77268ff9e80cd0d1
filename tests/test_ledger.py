import io
import smtplib
import uuid
from datetime import timedelta

import pytest
import requests
from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone

from campaign.celery import app
from letters import delivery, tasks, transport
from letters.delivery import Recipient
from letters.ledger import (
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Mailing,
    Suppression,
)

from .factories import MissionContactFactory, UserFactory

pytestmark = pytest.mark.django_db


def http_response(status: int) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.reason = "reason"
    response._content = b'{"message": "from the provider"}'
    return response


S = DeliveryStatus


class FlakyBackend:
    """A mail backend that fails as told, then delivers into mail.outbox."""

    failures: list = []

    def __init__(self, **kwargs):
        pass

    def open(self):
        return True

    def close(self):
        pass

    def send_messages(self, messages):
        if FlakyBackend.failures:
            raise FlakyBackend.failures.pop(0)
        mail.outbox.extend(messages)
        return len(messages)


@pytest.fixture(autouse=True)
def fresh_transport():
    transport.close()
    FlakyBackend.failures = []
    yield
    transport.close()


@pytest.fixture
def flaky(settings):
    settings.EMAIL_BACKEND = "tests.test_ledger.FlakyBackend"
    return FlakyBackend


@pytest.fixture
def published(monkeypatch):
    """Task publications, captured instead of sent to the broker."""
    calls = []
    monkeypatch.setattr(
        tasks.send_delivery,
        "apply_async",
        lambda args, countdown=None, retry=True: calls.append((args[0], countdown)),
    )
    return calls


def launch(contacts, *, by=None, **kwargs):
    kwargs.setdefault("subject_template", "Appeal to {{ state_name }}")
    kwargs.setdefault("text_template", "Dear {{ contact_name }} ({{ language }})")
    return delivery.launch_mailing(
        name="Appeal",
        kind=Mailing.Kind.APPEAL,
        recipients=[Recipient.for_contact(c) for c in contacts],
        by=by,
        reply_to="lead@amnesty.example",
        **kwargs,
    )


def only(mailing) -> Delivery:
    return mailing.deliveries.get()


def test_launch_writes_one_queued_row_per_contact_and_publishes_after_commit(
    published, django_capture_on_commit_callbacks
):
    contacts = [MissionContactFactory() for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        mailing = launch(contacts)
        assert published == []
    rows = list(mailing.deliveries.all())
    assert {r.contact_id for r in rows} == {c.pk for c in contacts}
    assert {r.status for r in rows} == {S.QUEUED}
    assert len({r.idempotency_key for r in rows}) == 3
    for callback in callbacks:
        callback()
    # After commit: a hint for the first row, whose task works through the rest.
    assert [pk for pk, _ in published] == [min(r.pk for r in rows)]


def test_a_sent_message_carries_its_key_in_message_id_and_provider_metadata(
    published,
):
    contact = MissionContactFactory(preferred_language="fr")
    row = only(launch([contact]))
    assert delivery.send_delivery(delivery_id=row.pk) == S.SENT
    [message] = mail.outbox
    assert message.extra_headers["Message-ID"] == (
        f"<{row.idempotency_key}@{django_settings.EMAIL_DOMAIN}>"
    )
    assert message.metadata == {"delivery": str(row.idempotency_key)}
    assert message.subject == "Appeal to France"
    assert message.reply_to == ["lead@amnesty.example"]
    assert (
        message.extra_headers["List-Id"] == f"<appeal.{django_settings.EMAIL_DOMAIN}>"
    )
    assert message.from_email.endswith("@" + django_settings.EMAIL_DOMAIN)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.lease_until) == (S.SENT, 1, None)
    assert row.attempt_log.get().outcome == DeliveryAttempt.Outcome.SENT


def test_second_task_for_the_same_row_sends_nothing(published):
    row = only(launch([MissionContactFactory()]))
    delivery.send_delivery(delivery_id=row.pk)
    assert delivery.send_delivery(delivery_id=row.pk) == "not-claimable"
    assert len(mail.outbox) == 1


def test_a_row_held_by_a_live_lease_is_not_claimed_again(published):
    row = only(launch([MissionContactFactory()]))
    now = timezone.now()
    assert delivery._claim(row, now, "w1")
    stale_copy = Delivery.objects.get(pk=row.pk)
    assert delivery.send_delivery(delivery_id=row.pk) == "not-claimable"
    # A second worker holding an old snapshot loses the compare-and-set too.
    stale_copy.status = S.QUEUED
    stale_copy.attempts = 0
    assert not delivery._claim(stale_copy, now, "w2")
    assert mail.outbox == []


def test_an_expired_lease_is_reclaimed_and_counted_as_a_crash(published):
    row = only(launch([MissionContactFactory()]))
    past = timezone.now() - timedelta(hours=1)
    Delivery.objects.filter(pk=row.pk).update(
        status=S.SENDING, attempts=1, lease_until=past
    )
    assert delivery.send_delivery(delivery_id=row.pk) == S.SENT
    row.refresh_from_db()
    assert (row.status, row.crash_count, row.attempts) == (S.SENT, 1, 2)
    outcomes = list(row.attempt_log.values_list("outcome", flat=True))
    assert outcomes == ["crashed", "sent"]


def test_third_crash_makes_the_row_dead_and_tells_staff_while_others_flow(
    published, django_capture_on_commit_callbacks
):
    sender = UserFactory(email="sender@amnesty.example")
    mailing = launch([MissionContactFactory(), MissionContactFactory()], by=sender)
    doomed, other = mailing.deliveries.order_by("pk")
    Delivery.objects.filter(pk=doomed.pk).update(
        status=S.SENDING,
        attempts=3,
        crash_count=2,
        lease_until=timezone.now() - timedelta(seconds=1),
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert delivery.send_delivery(delivery_id=doomed.pk) == "not-claimable"
    doomed.refresh_from_db()
    assert (doomed.status, doomed.crash_count) == (S.DEAD, 3)
    assert delivery.send_delivery(delivery_id=other.pk) == S.SENT
    alerts = [m for m in mail.outbox if "dead" in m.subject]
    assert alerts and alerts[0].to == ["sender@amnesty.example"]


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPRecipientsRefused({"x@example.org": (451, b"try later")}),
        smtplib.SMTPDataError(421, b"busy"),
        smtplib.SMTPServerDisconnected("gone"),
        TimeoutError("timed out"),
        AnymailAPIError("slow down", status_code=429, response=http_response(429)),
        AnymailAPIError("down", status_code=503, response=http_response(503)),
    ],
    ids=["smtp-451", "smtp-421", "disconnect", "timeout", "api-429", "api-503"],
)
def test_transient_failures_wait_on_the_row_with_backoff(flaky, published, error):
    row = only(launch([MissionContactFactory()]))
    flaky.failures = [error]
    before = timezone.now()
    assert delivery.send_delivery(delivery_id=row.pk) == "retry"
    row.refresh_from_db()
    assert row.status == S.QUEUED
    assert row.next_attempt_at > before
    assert row.attempt_log.get().outcome == "transient"
    # Not claimable until the wait is over; then it goes.
    assert delivery.send_delivery(delivery_id=row.pk) == "not-claimable"
    Delivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert delivery.send_delivery(delivery_id=row.pk) == S.SENT


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPRecipientsRefused({"x@example.org": (550, b"no such user")}),
        smtplib.SMTPDataError(554, b"rejected"),
        AnymailRecipientsRefused("refused"),
        AnymailAPIError("bad", status_code=400, response=http_response(400)),
    ],
    ids=["smtp-550", "smtp-554", "api-refused", "api-400"],
)
def test_permanent_failures_stop(flaky, published, error):
    row = only(launch([MissionContactFactory()]))
    flaky.failures = [error]
    assert delivery.send_delivery(delivery_id=row.pk) == S.FAILED
    row.refresh_from_db()
    assert row.status == S.FAILED
    assert delivery.send_delivery(delivery_id=row.pk) == "not-claimable"
    assert mail.outbox == []


def test_backoff_grows_and_has_jitter(settings):
    settings.EMAIL_RETRY_BASE_SECONDS = 10
    settings.EMAIL_RETRY_MAX_SECONDS = 10_000
    first = [delivery.retry_delay(1) for _ in range(50)]
    fourth = [delivery.retry_delay(4) for _ in range(50)]
    assert all(5 <= d <= 15 for d in first)
    assert all(40 <= d <= 120 for d in fourth)
    assert len(set(first)) > 1


def test_short_waits_go_to_the_broker_with_a_countdown_long_ones_to_the_sweeper(
    flaky, published, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_COUNTDOWN_MAX_SECONDS = 60
    row = only(launch([MissionContactFactory()]))
    published.clear()
    settings.EMAIL_RETRY_BASE_SECONDS = 1
    flaky.failures = [TimeoutError()]
    with django_capture_on_commit_callbacks(execute=True):
        delivery.send_delivery(delivery_id=row.pk)
    [(pk, countdown)] = published
    assert pk == row.pk and 0 < countdown <= 60

    published.clear()
    settings.EMAIL_RETRY_BASE_SECONDS = 3600
    Delivery.objects.filter(pk=row.pk).update(next_attempt_at=None)
    flaky.failures = [TimeoutError()]
    with django_capture_on_commit_callbacks(execute=True):
        delivery.send_delivery(delivery_id=row.pk)
    assert published == []
    row.refresh_from_db()
    assert row.enqueued_at is None and row.next_attempt_at > timezone.now()


def test_transient_failures_give_up_after_the_attempt_limit(flaky, published, settings):
    settings.EMAIL_MAX_ATTEMPTS = 2
    row = only(launch([MissionContactFactory()]))
    flaky.failures = [TimeoutError(), TimeoutError()]
    delivery.send_delivery(delivery_id=row.pk)
    Delivery.objects.filter(pk=row.pk).update(next_attempt_at=None)
    assert delivery.send_delivery(delivery_id=row.pk) == S.FAILED
    row.refresh_from_db()
    assert "gave up after 2 attempts" in row.last_error


def test_sweeper_republishes_queued_and_expired_rows_only_once_per_grace(
    published, settings
):
    settings.EMAIL_SWEEP_GRACE_SECONDS = 60
    mailing = launch([MissionContactFactory() for _ in range(4)])
    lost, expired, leased, waiting = mailing.deliveries.order_by("pk")
    now = timezone.now()
    long_ago = now - timedelta(minutes=10)
    Delivery.objects.filter(pk=lost.pk).update(enqueued_at=long_ago)
    Delivery.objects.filter(pk=expired.pk).update(
        status=S.SENDING, lease_until=now - timedelta(seconds=1), enqueued_at=long_ago
    )
    Delivery.objects.filter(pk=leased.pk).update(
        status=S.SENDING, lease_until=now + timedelta(minutes=1), enqueued_at=long_ago
    )
    Delivery.objects.filter(pk=waiting.pk).update(
        next_attempt_at=now + timedelta(hours=1), enqueued_at=None
    )
    published.clear()
    assert delivery.sweep_deliveries(now=now) == 2
    assert sorted(pk for pk, _ in published) == sorted([lost.pk, expired.pk])
    assert delivery.sweep_deliveries(now=now + timedelta(seconds=5)) == 0
    # Later the long wait is due and the live lease has run out: all four.
    assert delivery.sweep_deliveries(now=now + timedelta(hours=2)) == 4


def test_sweeper_leaves_paused_and_scheduled_mailings_and_closes_finished_ones(
    published,
):
    later = launch(
        [MissionContactFactory()], scheduled_at=timezone.now() + timedelta(1)
    )
    paused = launch([MissionContactFactory()])
    delivery.set_mailing_status(mailing=paused, status=Mailing.Status.PAUSED)
    done = launch([MissionContactFactory()])
    delivery.send_delivery(delivery_id=only(done).pk)
    Delivery.objects.update(enqueued_at=None)
    published.clear()
    assert delivery.sweep_deliveries() == 0
    assert delivery.send_delivery(delivery_id=only(paused).pk) == "not-claimable"
    assert delivery.send_delivery(delivery_id=only(later).pk) == "not-claimable"
    done.refresh_from_db()
    assert done.status == Mailing.Status.DONE
    assert Mailing.objects.get(pk=paused.pk).status == Mailing.Status.PAUSED


def test_cancelling_settles_queued_rows(published):
    mailing = launch([MissionContactFactory()])
    delivery.set_mailing_status(mailing=mailing, status=Mailing.Status.CANCELLED)
    assert only(mailing).status == S.CANCELLED


def test_cancelling_settles_rows_whose_worker_was_lost_but_not_live_ones(published):
    mailing = launch([MissionContactFactory(), MissionContactFactory()])
    lost, live = mailing.deliveries.order_by("pk")
    now = timezone.now()
    Delivery.objects.filter(pk=lost.pk).update(
        status=S.SENDING, lease_until=now - timedelta(seconds=1)
    )
    Delivery.objects.filter(pk=live.pk).update(
        status=S.SENDING, lease_until=now + timedelta(minutes=1)
    )
    delivery.set_mailing_status(mailing=mailing, status=Mailing.Status.CANCELLED)
    statuses = dict(mailing.deliveries.values_list("pk", "status"))
    assert statuses == {lost.pk: S.CANCELLED, live.pk: S.SENDING}


def test_email_queue_settings_keep_lease_between_time_limit_and_visibility():
    lease = django_settings.EMAIL_LEASE_SECONDS
    task = tasks.send_delivery
    assert task.acks_late and task.reject_on_worker_lost
    assert task.soft_time_limit < task.time_limit < lease
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_routes["letters.tasks.send_delivery"]["queue"] == "email"
    visibility = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS.get(
        "visibility_timeout", 3600
    )
    assert lease * 10 <= visibility
    assert visibility >= django_settings.EMAIL_COUNTDOWN_MAX_SECONDS * 10
    schedule = django_settings.CELERY_BEAT_SCHEDULE["sweep-deliveries"]
    assert schedule["task"] == "letters.tasks.sweep_deliveries"
    assert 30 <= schedule["schedule"] <= 60


def test_suppressed_address_is_not_sent_at_launch_or_at_send_time(published):
    held = MissionContactFactory()
    Suppression.objects.create(email=held.email, reason=Suppression.Reason.MANUAL)
    late = MissionContactFactory()
    mailing = launch([held, late])
    assert mailing.deliveries.get(contact=held).status == S.SUPPRESSED
    Suppression.objects.create(email=late.email, reason=Suppression.Reason.MANUAL)
    row = mailing.deliveries.get(contact=late)
    assert delivery.send_delivery(delivery_id=row.pk) == S.SUPPRESSED
    assert mail.outbox == []


def test_launch_can_freeze_the_rendered_text_on_each_row(published):
    row = only(launch([MissionContactFactory()], render_now=True))
    assert row.subject == "Appeal to France"
    Mailing.objects.filter(pk=row.mailing_id).update(subject_template="Changed")
    delivery.send_delivery(delivery_id=row.pk)
    assert mail.outbox[0].subject == "Appeal to France"


def test_renderer_is_pluggable(published):
    row = only(launch([MissionContactFactory()], renderer="tests.test_ledger.shout"))
    delivery.send_delivery(delivery_id=row.pk)
    assert mail.outbox[0].subject == "HELLO FRANCE"


def shout(row):
    from letters.rendering import Rendered

    return Rendered(subject=f"HELLO {row.state.name.upper()}", text="hi")


def test_rate_limit_holds_a_shared_budget_per_second():
    from django.core.cache import cache

    from letters.ratelimit import wait_for_slot

    cache.clear()
    clock = [1000.25]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        clock[0] += seconds

    for _ in range(3):
        assert wait_for_slot("p", rate=3, clock=lambda: clock[0], sleep=sleep) == 0
    assert wait_for_slot("p", rate=3, clock=lambda: clock[0], sleep=sleep) == 0.75
    assert slept == [0.75]
    assert wait_for_slot("other", rate=3, clock=lambda: clock[0], sleep=sleep) == 0
    assert wait_for_slot("p", rate=0, clock=lambda: clock[0], sleep=sleep) == 0


def test_rate_limit_counter_is_shared_between_workers_through_redis(redis_url):
    from django.core.cache.backends.redis import RedisCache

    from letters.ratelimit import wait_for_slot

    prefix = f"t{uuid.uuid4()}"
    first = RedisCache(redis_url, {"KEY_PREFIX": prefix})
    second = RedisCache(redis_url, {"KEY_PREFIX": prefix})
    clock = [2000.5]
    slept = []
    assert wait_for_slot("smtp", rate=2, cache=first, clock=lambda: clock[0]) == 0
    assert wait_for_slot("smtp", rate=2, cache=second, clock=lambda: clock[0]) == 0
    waited = wait_for_slot(
        "smtp",
        rate=2,
        cache=second,
        clock=lambda: clock[0],
        sleep=lambda s: (slept.append(s), clock.__setitem__(0, clock[0] + s)),
    )
    assert waited == 0.5 and slept == [0.5]


def test_stuck_rows_are_pending_ones_nothing_moved_not_those_waiting_a_retry(
    published,
):
    mailing = launch([MissionContactFactory() for _ in range(5)])
    untouched, leased, waiting, fresh, sent = mailing.deliveries.order_by("pk")
    now = timezone.now()
    long_ago = now - timedelta(minutes=30)
    Delivery.objects.filter(pk__in=[untouched.pk, waiting.pk, sent.pk]).update(
        updated_at=long_ago
    )
    Delivery.objects.filter(pk=leased.pk).update(
        status=S.SENDING, lease_until=long_ago, updated_at=long_ago
    )
    Delivery.objects.filter(pk=waiting.pk).update(
        next_attempt_at=now + timedelta(minutes=5)
    )
    Delivery.objects.filter(pk=sent.pk).update(status=S.SENT)
    stuck = Delivery.objects.stuck(now, older_than=timedelta(minutes=10))
    assert set(stuck) == {untouched, leased}
    assert fresh not in stuck


def test_replaying_dead_rows_queues_them_again_with_the_same_message_id(
    published, django_capture_on_commit_callbacks
):
    mailing = launch([MissionContactFactory(), MissionContactFactory()])
    dead, failed = mailing.deliveries.order_by("pk")
    Delivery.objects.filter(pk=dead.pk).update(
        status=S.DEAD, crash_count=3, last_error="worker lost"
    )
    Delivery.objects.filter(pk=failed.pk).update(status=S.FAILED)
    Mailing.objects.filter(pk=mailing.pk).update(status=Mailing.Status.DONE)
    published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert delivery.replay_dead(deliveries=Delivery.objects.all()) == [dead.pk]
    dead.refresh_from_db()
    assert (dead.status, dead.crash_count, dead.last_error) == (S.QUEUED, 0, "")
    assert Delivery.objects.get(pk=failed.pk).status == S.FAILED
    assert Mailing.objects.get(pk=mailing.pk).status == Mailing.Status.RUNNING
    assert published == [(dead.pk, None)]
    assert delivery.send_delivery(delivery_id=dead.pk) == S.SENT
    [message] = mail.outbox
    assert message.extra_headers["Message-ID"] == dead.message_id


def test_deliveries_command_lists_dead_rows_and_replays_them(published):
    from django.core.management import call_command

    mailing = launch([MissionContactFactory(email="m@mission.example")])
    row = only(mailing)
    Delivery.objects.filter(pk=row.pk).update(status=S.DEAD, last_error="worker lost")
    out = io.StringIO()
    call_command("deliveries", "--dead", stdout=out)
    assert "m@mission.example\tdead" in out.getvalue()
    assert "1 rows" in out.getvalue()
    out = io.StringIO()
    call_command(
        "deliveries", "--replay-dead", "--mailing", str(mailing.pk), stdout=out
    )
    assert "Queued 1 dead deliveries again." in out.getvalue()
    assert only(mailing).status == S.QUEUED
    out = io.StringIO()
    call_command("deliveries", stdout=out)
    assert f"{mailing.pk}\tAppeal\tqueued 1" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_claim_need_not_reach_the_disk_before_sending_but_the_sent_mark_must(
    published,
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    row = only(launch([MissionContactFactory()]))
    with CaptureQueriesContext(connection) as queries:
        assert delivery.send_delivery(delivery_id=row.pk) == S.SENT
    sql = [q["sql"] for q in queries.captured_queries]
    claim = next(i for i, q in enumerate(sql) if "UPDATE" in q and "+ 1" in q)
    mark = next(i for i, q in enumerate(sql) if "UPDATE" in q and "'sent'" in q)
    assert claim < mark
    if connection.vendor == "postgresql":
        assert sql[claim].startswith("SET LOCAL synchronous_commit TO OFF; UPDATE")
        # The claim's transaction ends before the send; the mark commits durably.
        assert "synchronous_commit" not in " ".join(sql[claim + 1 : mark + 1])
        # The mark and its attempt's record reach the server together.
        assert "INSERT INTO" in sql[mark]
    else:
        assert not any("synchronous_commit" in q for q in sql)


@pytest.mark.django_db(transaction=True)
def test_the_mark_and_its_attempts_record_are_written_all_or_nothing(
    published, monkeypatch
):
    from django.db import DatabaseError

    row = only(launch([MissionContactFactory()]))
    broken = ("INSERT INTO letters_deliveryattempt (no_such_column) VALUES (%s)", [1])
    monkeypatch.setattr(delivery, "_attempt", lambda *args, **kwargs: broken)
    with pytest.raises(DatabaseError):
        delivery.send_delivery(delivery_id=row.pk)
    row.refresh_from_db()
    # The message went, but without its attempt's record the row is not marked:
    # it stays "sending" for the sweeper, never "sent" without a trace.
    assert row.status == S.SENDING
    assert not row.attempt_log.exists()
