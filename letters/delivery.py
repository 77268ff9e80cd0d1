"""Writes on the delivery ledger: launch, claim, send, sweep, events, replies."""

from __future__ import annotations

import hashlib
import logging
import os
import random
import re
import socket
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Max, Min, OuterRef, Q
from django.db.models.functions import Lower
from django.template import TemplateSyntaxError
from django.utils import timezone

from campaign.models import MemberState, Mission, MissionContact

from . import ledger_sql, ratelimit, transport
from .headers import (
    UnsafeHeader,
    check_address,
    check_header,
    check_sender,
    list_id_for,
)
from .ledger import (
    EVENT_RANK,
    PENDING_STATUSES,
    Delivery,
    DeliveryAttempt,
    DeliveryEvent,
    DeliveryStatus,
    InboundReply,
    Mailing,
    Suppression,
)
from .rendering import Rendered, RenderError, render_delivery

log = logging.getLogger(__name__)
Outcome = DeliveryAttempt.Outcome


@dataclass(frozen=True)
class Recipient:
    """Who one delivery goes to; a mission contact or any other address.

    A recipient may bring its own message (subject, text, html: frozen on the
    row), headers of its own, and a fixed idempotency key.
    """

    email: str
    language: str = "en"
    state: MemberState | None = None
    contact: MissionContact | None = None
    key: uuid.UUID | None = None
    subject: str = ""
    text: str = ""
    html: str = ""
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def for_contact(cls, contact: MissionContact) -> Recipient:
        return cls(
            email=contact.email,
            language=contact.preferred_language,
            state=contact.mission.state,
            contact=contact,
        )


# Set by build_message from the row and its mailing; never taken from a recipient.
RESERVED_HEADERS = {
    "bcc",
    "cc",
    "content-language",
    "from",
    "list-id",
    "message-id",
    "reply-to",
    "subject",
    "to",
    "x-delivery-key",
}


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# Launching, pausing, cancelling


def launch_mailing(
    *,
    name: str,
    recipients: Iterable[Recipient],
    kind: str = Mailing.Kind.OTHER,
    by=None,
    campaign=None,
    subject_template: str = "",
    text_template: str = "",
    html_template: str = "",
    renderer: str = "",
    from_email: str = "",
    reply_to: str = "",
    list_id: str = "",
    scheduled_at: datetime | None = None,
    render_now: bool = False,
) -> Mailing:
    """Write the mailing and one delivery per recipient in one transaction.

    Tasks are published after commit as a hint; the sweeper finds anything they miss.
    """
    from_email = check_sender(from_email or settings.DEFAULT_FROM_EMAIL)
    if reply_to:
        check_address(reply_to, field="Reply-To")
    list_id = check_header(list_id or list_id_for(kind), field="List-Id")
    check_header(subject_template, field="Subject")
    check_header(name, field="Name")
    mailing = Mailing(
        kind=kind,
        name=name,
        campaign=campaign,
        launched_by=by,
        scheduled_at=scheduled_at,
        from_email=from_email,
        reply_to=reply_to,
        list_id=list_id,
        subject_template=subject_template,
        text_template=text_template,
        html_template=html_template,
    )
    if renderer:
        mailing.renderer = renderer
    recipients = list(recipients)
    for recipient in recipients:
        check_address(recipient.email, field="To")
        check_header(recipient.subject, field="Subject")
        for header, value in recipient.headers:
            check_header(header, field="Header name")
            check_header(value, field=header)
            if header.lower() in RESERVED_HEADERS:
                raise UnsafeHeader(f"{header} is set by the ledger, not per message.")
    now = timezone.now()
    sendable = mailing.is_sendable(now)
    with transaction.atomic():
        mailing.save()
        suppressed = set(
            Suppression.objects.filter(
                email__in={r.email.lower() for r in recipients}
            ).values_list("email", flat=True)
        )
        rows = []
        for recipient in recipients:
            held = recipient.email.lower() in suppressed
            row = Delivery(
                mailing=mailing,
                contact=recipient.contact,
                to_email=recipient.email,
                language=recipient.language,
                state=recipient.state,
                status=DeliveryStatus.SUPPRESSED if held else DeliveryStatus.QUEUED,
                last_error="address suppressed" if held else "",
                enqueued_at=now if sendable and not held else None,
                headers=dict(recipient.headers),
            )
            if recipient.key is not None:
                row.idempotency_key = recipient.key
            if recipient.subject:
                row.subject = recipient.subject
                row.text_body, row.html_body = recipient.text, recipient.html
            elif render_now and not held:
                rendered = render_delivery(row)
                row.subject = check_header(rendered.subject, field="Subject")
                row.text_body, row.html_body = rendered.text, rendered.html
            rows.append(row)
        Delivery.objects.bulk_create(rows, batch_size=500)
        if sendable:
            ids = [r.pk for r in rows if r.status == DeliveryStatus.QUEUED]
            transaction.on_commit(lambda: publish(batch_hints(ids)), robust=True)
    return mailing


def batch_hints(ids: Iterable[int]) -> list[int]:
    """Of one mailing's due rows, those to name in tasks: the first of each batch.

    A task sends its row and then the mailing's due rows after it, up to
    ``EMAIL_BATCH_SIZE``, so one task per batch reaches them all; a task per row
    would mostly find its row already sent, and cost a broker message and a read
    for nothing. Rows a task does not reach stay queued for the sweeper.
    """
    return sorted(ids)[:: max(settings.EMAIL_BATCH_SIZE, 1)]


def publish(ids: Iterable[int], *, countdown: float = 0) -> int:
    """Hint the workers; a broker outage here delays mail, never loses it."""
    from .tasks import send_delivery

    published = 0
    try:
        for pk in ids:
            send_delivery.apply_async((pk,), countdown=countdown or None, retry=False)
            published += 1
    except Exception:
        log.warning("broker unavailable; the sweeper will publish the rest")
    return published


def set_mailing_status(*, mailing: Mailing, status: str) -> Mailing:
    """Pause, resume or cancel; cancelling settles every row still queued.

    Resuming publishes the rows that are due at once rather than waiting for the
    sweeper's grace period.
    """
    now = timezone.now()
    with transaction.atomic():
        Mailing.objects.filter(pk=mailing.pk).update(status=status)
        mailing.status = status
        if status == Mailing.Status.CANCELLED:
            # A row whose worker's lease ran out would otherwise stay "sending":
            # the sweeper leaves a cancelled mailing alone.
            mailing.deliveries.filter(
                Q(status=DeliveryStatus.QUEUED)
                | Q(status=DeliveryStatus.SENDING, lease_until__lt=now)
            ).update(status=DeliveryStatus.CANCELLED, lease_until=None, updated_at=now)
        elif status == Mailing.Status.RUNNING and mailing.is_sendable(now):
            due = mailing.deliveries.due(now)
            ids = list(due.values_list("pk", flat=True))
            Delivery.objects.filter(pk__in=ids).update(enqueued_at=now)
            transaction.on_commit(lambda: publish(batch_hints(ids)), robust=True)
    return mailing


def replay_dead(*, deliveries) -> list[int]:
    """Queue dead rows again once what crashed their workers is fixed.

    Each keeps its Message-ID, so should a crashed attempt have reached the
    provider after all, the recipient's server can tell the copy. A finished
    mailing runs again for them.
    """
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            deliveries.filter(status=DeliveryStatus.DEAD).values_list("pk", flat=True)
        )
        Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.DEAD).update(
            status=DeliveryStatus.QUEUED,
            crash_count=0,
            lease_until=None,
            next_attempt_at=None,
            enqueued_at=now,
            last_error="",
            updated_at=now,
        )
        Mailing.objects.filter(
            pk__in=Delivery.objects.filter(pk__in=ids).values("mailing_id"),
            status=Mailing.Status.DONE,
        ).update(status=Mailing.Status.RUNNING)
        transaction.on_commit(lambda: publish(ids), robust=True)
    log.warning("replaying %d dead deliveries", len(ids))
    return ids


# Claiming and sending one delivery


def _lease() -> timedelta:
    return timedelta(seconds=settings.EMAIL_LEASE_SECONDS)


def _claimable(row: Delivery, now: datetime) -> bool:
    if row.status == DeliveryStatus.QUEUED:
        return row.next_attempt_at is None or row.next_attempt_at <= now
    return row.status == DeliveryStatus.SENDING and row.lease_until < now


def _claim(
    row: Delivery, now: datetime, worker: str, marks: HeldMark | None = None
) -> bool:
    """Compare-and-set the row into ``sending`` under a fresh lease.

    The update only matches the row as it was read (status and attempt number),
    so of two workers racing for it exactly one wins, on SQLite and PostgreSQL.
    """
    fields = {
        "status": DeliveryStatus.SENDING,
        "lease_until": now + _lease(),
        "attempts": F("attempts") + 1,
        "updated_at": now,
    }
    same_row = Delivery.objects.filter(pk=row.pk, attempts=row.attempts)
    if row.status == DeliveryStatus.QUEUED:
        if row.next_attempt_at and row.next_attempt_at > now:
            return False
        claim = {
            "where": {"attempts": row.attempts, "status": DeliveryStatus.QUEUED},
            "add_attempt": True,
            # A pause lands between any two sends, batch or not.
            "mailing_running": True,
            "status": DeliveryStatus.SENDING,
            "lease_until": now + _lease(),
            "updated_at": now,
        }
        if marks is not None and marks.held is not None:
            won = marks.with_claim(ledger_sql.update_statement(row.pk, **claim))
        else:
            # Losing a claim in a database crash only sends the row again.
            won = ledger_sql.update_delivery(row.pk, durable=False, **claim)
    elif row.status == DeliveryStatus.SENDING and row.lease_until < now:
        if marks is not None:
            marks.flush()
        # The worker holding the lease died (or was killed at its time limit).
        crashed = same_row.filter(status=DeliveryStatus.SENDING, lease_until__lt=now)
        started = row.lease_until - _lease()
        if row.crash_count + 1 >= settings.EMAIL_MAX_CRASHES:
            with transaction.atomic():
                if not crashed.update(
                    status=DeliveryStatus.DEAD,
                    crash_count=F("crash_count") + 1,
                    lease_until=None,
                    last_error="worker lost while sending, too many times",
                    updated_at=now,
                ):
                    return False
                _log_attempt(row, Outcome.DEAD, started, now, worker, "worker lost")
                _tell_staff(
                    row.mailing,
                    f"Delivery to {row.to_email} is dead",
                    f"Sending to {row.to_email} ({row.message_id}) crashed its "
                    f"worker {row.crash_count + 1} times; it will not be retried. "
                    "Other deliveries keep flowing.",
                )
            return False
        with transaction.atomic():
            won = crashed.update(crash_count=F("crash_count") + 1, **fields)
            if won:
                _log_attempt(row, Outcome.CRASHED, started, now, "", "lease expired")
    else:
        return False
    if won:
        row.status = DeliveryStatus.SENDING
        row.attempts += 1
    return bool(won)


def _attempt(row, outcome, started, finished, worker, detail=""):
    return ledger_sql.attempt_statement(
        delivery_id=row.pk,
        number=row.attempts,
        started_at=started,
        finished_at=finished,
        outcome=outcome,
        detail=detail[:2000],
        worker=worker[:200],
    )


def _log_attempt(row, outcome, started, finished, worker, detail="") -> None:
    ledger_sql.run_together([_attempt(row, outcome, started, finished, worker, detail)])


def _finish_statements(
    row: Delivery, *, outcome: str, started, worker, detail="", **fields
) -> list:
    """The row's move out of ``sending`` (if this worker still holds it) and
    the attempt's record: to be written together."""
    now = timezone.now()
    return [
        ledger_sql.update_statement(
            row.pk,
            where={"status": DeliveryStatus.SENDING, "attempts": row.attempts},
            lease_until=None,
            updated_at=now,
            **fields,
        ),
        _attempt(row, outcome, started, now, worker, detail),
    ]


def _after_mark(row: Delivery, moved: int, outcome: str, provider_message_id: str):
    if not moved and outcome == Outcome.SENT and provider_message_id:
        # A provider event overtook the worker; keep its id all the same.
        Delivery.objects.filter(pk=row.pk, provider_message_id="").update(
            provider_message_id=provider_message_id
        )


def _finish(row: Delivery, *, outcome: str, started, worker, detail="", **fields):
    """Leave ``sending`` for good or for a retry, if this worker still holds the row.

    The row's update and the attempt's record go together, in one transaction
    (on PostgreSQL, one round trip).
    """
    statements = _finish_statements(
        row, outcome=outcome, started=started, worker=worker, detail=detail, **fields
    )
    moved, _ = ledger_sql.run_atomically(statements)
    _after_mark(row, moved, outcome, fields.get("provider_message_id", ""))
    return moved


class HeldMark:
    """In a batch, a sent row's mark held back to go with the next row's claim.

    The mark and the claim then reach the database in one transaction (one
    round trip on PostgreSQL) instead of two. A mark is held only from the
    send's end to the next claim, which follows at once: whatever stops the
    batch (the mailing paused, a row another worker took, the end of a chunk,
    an error, a wait for the rate limit) writes it first.
    """

    def __init__(self):
        self.held: tuple[Delivery, list, str] | None = None

    def hold(self, row: Delivery, statements: list, provider_message_id: str):
        self.flush()
        self.held = (row, statements, provider_message_id)

    def with_claim(self, claim) -> int:
        """Write the held mark and ``claim`` together; the claim's row count."""
        [won] = self._write([claim])
        return won

    def flush(self) -> None:
        if self.held is not None:
            self._write([])

    def _write(self, more: list) -> list[int]:
        row, statements, provider_message_id = self.held
        counts = ledger_sql.run_atomically([*statements, *more])
        # Only once written: should that fail, the mark is still held.
        self.held = None
        _after_mark(row, counts[0], Outcome.SENT, provider_message_id)
        return counts[len(statements) :]


def build_message(row: Delivery, rendered: Rendered) -> EmailMultiAlternatives:
    mailing = row.mailing
    subject = check_header(rendered.subject, field="Subject")
    check_address(row.to_email, field="To")
    message = transport.Email(
        subject=subject,
        body=rendered.text,
        from_email=mailing.from_email,
        to=[row.to_email],
        reply_to=[mailing.reply_to] if mailing.reply_to else None,
        headers={
            **row.headers,
            "Message-ID": row.message_id,
            "List-Id": mailing.list_id,
            "Content-Language": row.language,
            "X-Delivery-Key": str(row.idempotency_key),
        },
    )
    if rendered.html:
        message.attach_alternative(rendered.html, "text/html")
    for filename, content, mimetype in rendered.attachments:
        message.attach(filename, content, mimetype)
    # django-anymail hands this to the provider, whose events carry it back.
    message.metadata = {"delivery": str(row.idempotency_key)}
    return message


def retry_delay(attempt: int) -> float:
    """Exponential backoff with jitter, capped."""
    base = settings.EMAIL_RETRY_BASE_SECONDS * 2 ** max(attempt - 1, 0)
    return min(settings.EMAIL_RETRY_MAX_SECONDS, base) * random.uniform(0.5, 1.5)


def _for_sending():
    """Rows with all a send reads, and whether the address is suppressed by now."""
    return Delivery.objects.select_related("contact", "state").annotate(
        suppressed=Exists(Suppression.objects.filter(email=Lower(OuterRef("to_email"))))
    )


def send_delivery(*, delivery_id: int, worker: str = "") -> str:
    """Claim one delivery, render, send, and record the outcome; else do nothing."""
    row = _for_sending().select_related("mailing").filter(pk=delivery_id).first()
    if row is None:
        return "not-claimable"
    return _send_row(row, worker=worker or _worker_name())


def send_deliveries(
    *,
    delivery_id: int,
    worker: str = "",
    limit: int | None = None,
    seconds: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Send one delivery, then further due ones of its mailing; return how many.

    Each further row is claimed on its own by compare-and-set under its own lease
    and marked on its own, as a single send is; the batch saves a task and its
    reads per message, and writes each row's mark with the next row's claim
    (HeldMark). It stops after ``limit`` claims or ``seconds``,
    whichever comes first, and once the mailing is paused, cancelled or has
    nothing left due.
    """
    worker = worker or _worker_name()
    limit = settings.EMAIL_BATCH_SIZE if limit is None else limit
    deadline = clock() + (settings.EMAIL_BATCH_SECONDS if seconds is None else seconds)
    row = _for_sending().select_related("mailing").filter(pk=delivery_id).first()
    if row is None:
        return 0
    mailing = row.mailing
    marks = HeldMark()
    try:
        claimed = int(_send_row(row, worker=worker, marks=marks) != "not-claimable")
        start, span = delivery_id, None
        while claimed < limit and clock() < deadline:
            marks.flush()
            if not mailing.is_sendable(timezone.now()):
                break
            size = min(BATCH_CHUNK, limit - claimed)
            rows = _due_rows(mailing, start=start, size=size)
            if not rows:
                break
            for row in rows:
                if claimed >= limit or clock() >= deadline:
                    break
                if _send_row(row, worker=worker, marks=marks) == "not-claimable":
                    # Another worker took the row since it was read, and is
                    # likely taking the ones after it: go on elsewhere.
                    break
                claimed += 1
            marks.flush()
            span = span or mailing.deliveries.aggregate(low=Min("pk"), high=Max("pk"))
            start = random.randint(span["low"], span["high"])
            mailing.refresh_from_db(fields=["status", "scheduled_at"])
    finally:
        marks.flush()
    return claimed


# Rows read per query in a batch: a few, as another worker may take them first.
BATCH_CHUNK = 25


def _due_rows(mailing: Mailing, *, start: int, size: int) -> list[Delivery]:
    """A few of the mailing's rows now due, from ``start`` on, then from its first."""
    due = _for_sending().filter(mailing=mailing).due(timezone.now()).order_by("pk")
    rows = list(due.filter(pk__gte=start)[:size])
    if len(rows) < size:
        rows += due.filter(pk__lt=start)[: size - len(rows)]
    for row in rows:
        row.mailing = mailing
    return rows


def _send_row(row: Delivery, *, worker: str, marks: HeldMark | None = None) -> str:
    now = timezone.now()
    if not row.mailing.is_sendable(now) or not _claimable(row, now):
        if marks is not None:
            marks.flush()
        return "not-claimable"
    if settings.EMAIL_RATE_PER_SECOND and marks is not None:
        # No mark waits on the rate limit.
        marks.flush()
    # Waiting for the shared budget before the claim keeps the lease for sending;
    # if the cache is down this raises with the row untouched, for the sweeper.
    ratelimit.wait_for_slot(
        ratelimit.provider_name(), rate=settings.EMAIL_RATE_PER_SECOND
    )
    if not _claim(row, timezone.now(), worker, marks):
        return "not-claimable"
    return _send_claimed(row, worker=worker, marks=marks)


def _send_claimed(row: Delivery, *, worker: str, marks: HeldMark | None = None) -> str:
    """Render, send and record a row this worker has just claimed."""
    now = timezone.now()
    if row.suppressed:
        _finish(
            row,
            outcome=Outcome.SUPPRESSED,
            started=now,
            worker=worker,
            detail="address suppressed",
            status=DeliveryStatus.SUPPRESSED,
            last_error="address suppressed",
        )
        return DeliveryStatus.SUPPRESSED
    try:
        message = build_message(row, render_delivery(row))
    except (UnsafeHeader, TemplateSyntaxError, RenderError) as exc:
        _finish(
            row,
            outcome=Outcome.FAILED,
            started=now,
            worker=worker,
            detail=str(exc),
            status=DeliveryStatus.FAILED,
            last_error=str(exc),
        )
        return DeliveryStatus.FAILED

    try:
        transport.send(message)
    except Exception as exc:
        return _after_failure(row, transport.classify(exc), started=now, worker=worker)

    status = getattr(message, "anymail_status", None)
    mark = {
        "outcome": Outcome.SENT,
        "started": now,
        "worker": worker,
        "status": DeliveryStatus.SENT,
        "sent_at": timezone.now(),
        "last_error": "",
        "provider_message_id": (getattr(status, "message_id", None) or "")[:200],
    }
    if marks is not None:
        marks.hold(row, _finish_statements(row, **mark), mark["provider_message_id"])
    else:
        _finish(row, **mark)
    return DeliveryStatus.SENT


def _after_failure(row, failure: transport.Failure, *, started, worker) -> str:
    if not failure.transient or row.attempts >= settings.EMAIL_MAX_ATTEMPTS:
        detail = failure.detail
        if failure.transient:
            detail = f"gave up after {row.attempts} attempts: {detail}"
        with transaction.atomic():
            _finish(
                row,
                outcome=Outcome.FAILED,
                started=started,
                worker=worker,
                detail=detail,
                status=DeliveryStatus.FAILED,
                last_error=detail,
            )
            if failure.recipient_refused:
                _hold_address(row, Suppression.Reason.BOUNCE, detail)
        return DeliveryStatus.FAILED

    delay = retry_delay(row.attempts)
    due = timezone.now() + timedelta(seconds=delay)
    short = delay <= settings.EMAIL_COUNTDOWN_MAX_SECONDS
    with transaction.atomic():
        moved = _finish(
            row,
            outcome=Outcome.TRANSIENT,
            started=started,
            worker=worker,
            detail=failure.detail,
            status=DeliveryStatus.QUEUED,
            next_attempt_at=due,
            # A long wait is the sweeper's to pick up once it is due.
            enqueued_at=due if short else None,
            last_error=failure.detail,
        )
        if moved and short:
            transaction.on_commit(
                lambda: publish([row.pk], countdown=delay), robust=True
            )
    return "retry"


# The sweeper


def sweep_deliveries(*, now: datetime | None = None, limit: int | None = None) -> int:
    """Re-publish rows still queued, or sending past their lease; close done mailings.

    Only rows not published within the grace period are taken, oldest first, in a
    bounded batch, so a slow queue is not flooded with repeats.
    """
    now = now or timezone.now()
    limit = limit or settings.EMAIL_SWEEP_BATCH
    grace = now - timedelta(seconds=settings.EMAIL_SWEEP_GRACE_SECONDS)
    sendable = Mailing.objects.filter(status=Mailing.Status.RUNNING).filter(
        Q(scheduled_at__isnull=True) | Q(scheduled_at__lte=now)
    )
    candidates = (
        Delivery.objects.filter(mailing__in=sendable)
        .filter(
            Q(
                Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
                status=DeliveryStatus.QUEUED,
            )
            | Q(status=DeliveryStatus.SENDING, lease_until__lt=now)
        )
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=grace))
        .order_by(F("enqueued_at").asc(nulls_first=True), "pk")
    )
    depth = email_queue_depth()
    if depth is not None and depth >= limit:
        # The broker still holds plenty of work: only rows whose worker died are
        # urgent. Queued rows are re-published once the backlog is short.
        candidates = candidates.filter(status=DeliveryStatus.SENDING)
    ids = list(candidates.values_list("pk", flat=True)[:limit])
    if ids:
        Delivery.objects.filter(pk__in=ids).update(enqueued_at=now)
        publish(ids)
    Mailing.objects.filter(status=Mailing.Status.RUNNING).exclude(
        deliveries__status__in=PENDING_STATUSES
    ).update(status=Mailing.Status.DONE)
    return len(ids)


def email_queue_depth() -> int | None:
    """Messages waiting in the broker's email queue, or None if it cannot say."""
    from campaign.celery import app

    try:
        with app.connection_for_write() as conn:
            return conn.default_channel.queue_declare(
                queue="email", passive=True
            ).message_count
    except Exception:
        return None


# Staff alerts and held addresses


def _tell_staff(mailing: Mailing, subject: str, body: str) -> None:
    """Mail whoever launched the mailing and the site's admins, after commit."""
    log.warning("%s: %s", subject, body)
    recipients = [email for _, email in settings.ADMINS]
    if mailing.launched_by_id:
        recipients.append(mailing.launched_by.email)
    if not recipients:
        return
    link = f"{settings.SITE_URL}/staff/mailings/{mailing.pk}/"
    text = f"{body}\n\nMailing: {mailing.name}\n{link}"

    def deliver():
        send_mail(
            subject=" ".join(subject.split())[:200],
            message=text,
            from_email=settings.SERVER_EMAIL,
            recipient_list=sorted(set(recipients)),
            fail_silently=True,
        )

    transaction.on_commit(deliver, robust=True)


def _hold_address(row: Delivery, reason: str, detail: str) -> None:
    """Suppress the address for future sends; its contact waits for a correction."""
    Suppression.objects.get_or_create(
        email=row.to_email.lower(),
        defaults={
            "reason": reason,
            "contact_id": row.contact_id,
            "delivery": row,
            "detail": detail[:2000],
        },
    )
    who = str(row.contact) if row.contact_id else row.to_email
    _tell_staff(
        row.mailing,
        f"Address on hold: {row.to_email}",
        f"{who}: {detail}. Nothing more is sent to this address; correct the "
        "contact's email and the held messages are sent to the new one.",
    )


def correct_contact_email(*, contact: MissionContact, email: str, by=None) -> int:
    """Change a contact's address and re-route its held messages; return how many."""
    email = check_address(email.strip(), field="Email")
    old = contact.email
    now = timezone.now()
    with transaction.atomic():
        contact.email = email
        contact.save(update_fields=["email"])
        mine = Delivery.objects.filter(contact=contact, to_email__iexact=old)
        mine.filter(status=DeliveryStatus.QUEUED).update(to_email=email)
        held = list(
            mine.filter(
                status__in=[
                    DeliveryStatus.BOUNCED,
                    DeliveryStatus.FAILED,
                    DeliveryStatus.SUPPRESSED,
                ],
            )
            .exclude(mailing__status=Mailing.Status.CANCELLED)
            .select_related("mailing")
        )
        if not Suppression.objects.for_email(old).filter(
            reason=Suppression.Reason.BOUNCE
        ):
            held = []
        for row in held:
            new_key = uuid.uuid4()
            _log_attempt(
                row,
                Outcome.REROUTED,
                now,
                now,
                "",
                f"{old} → {email} by {by or 'staff'}; was {row.status}, "
                f"key {row.idempotency_key}",
            )
            # A new address makes a new message, with its own key and Message-ID.
            Delivery.objects.filter(pk=row.pk).update(
                to_email=email,
                idempotency_key=new_key,
                status=DeliveryStatus.QUEUED,
                next_attempt_at=None,
                lease_until=None,
                crash_count=0,
                last_error="",
                provider_message_id="",
                sent_at=None,
                enqueued_at=now,
                updated_at=now,
            )
        mailing_ids = {row.mailing_id for row in held}
        Mailing.objects.filter(pk__in=mailing_ids, status=Mailing.Status.DONE).update(
            status=Mailing.Status.RUNNING
        )
        ids = [row.pk for row in held]
        transaction.on_commit(lambda: publish(ids), robust=True)
    return len(held)


# Provider events and inbound replies

EVENT_TARGETS = {
    "delivered": DeliveryStatus.DELIVERED,
    "bounced": DeliveryStatus.BOUNCED,
    "complained": DeliveryStatus.COMPLAINED,
}
# A provider that refuses an address it already knows is bad has, in effect, bounced.
BOUNCE_REJECT_REASONS = {"bounced", "invalid"}


def _find_delivery(metadata: dict, message_id: str | None) -> Delivery | None:
    key = (metadata or {}).get("delivery")
    if key:
        try:
            return (
                Delivery.objects.select_related("mailing", "contact")
                .filter(idempotency_key=uuid.UUID(str(key)))
                .first()
            )
        except ValueError:
            return None
    if message_id:
        return (
            Delivery.objects.select_related("mailing", "contact")
            .filter(provider_message_id=message_id)
            .first()
        )
    return None


def apply_tracking_event(
    *,
    provider: str,
    event_type: str,
    event_id: str | None = None,
    message_id: str | None = None,
    metadata: dict | None = None,
    recipient: str | None = None,
    timestamp: datetime | None = None,
    reject_reason: str | None = None,
    description: str = "",
    soft_bounce: bool = False,
) -> str:
    """Apply one provider event once, moving its delivery forward only."""
    if not event_id:
        # Some providers send no event id; the event's own facts identify it.
        facts = f"{provider}|{event_type}|{message_id}|{recipient}|{timestamp}"
        event_id = "sha256:" + hashlib.sha256(facts.encode()).hexdigest()
    delivery = _find_delivery(metadata or {}, message_id)
    target = EVENT_TARGETS.get(event_type)
    if target == DeliveryStatus.BOUNCED and (
        soft_bounce or reject_reason not in (None, *BOUNCE_REJECT_REASONS)
    ):
        target = None  # a temporary or unrelated refusal: recorded, nothing held
    if event_type == "rejected" and reject_reason in BOUNCE_REJECT_REASONS:
        target = DeliveryStatus.BOUNCED
    with transaction.atomic():
        try:
            with transaction.atomic():
                DeliveryEvent.objects.create(
                    provider=provider[:40],
                    event_id=str(event_id)[:200],
                    event_type=event_type[:20],
                    delivery=delivery,
                    recipient=(recipient or "")[:254],
                    occurred_at=timestamp,
                    detail=(description or reject_reason or "")[:2000],
                )
        except IntegrityError:
            return "duplicate"
        if delivery is None:
            return "unknown"
        if target is None:
            return "recorded"
        earlier = [s for s, rank in EVENT_RANK.items() if rank < EVENT_RANK[target]]
        moved = Delivery.objects.filter(pk=delivery.pk, status__in=earlier).update(
            status=target, lease_until=None, updated_at=timezone.now()
        )
        if not moved:
            return "stale"
        if target == DeliveryStatus.BOUNCED:
            _hold_address(
                delivery,
                Suppression.Reason.BOUNCE,
                f"hard bounce reported by {provider}: "
                f"{description or reject_reason or ''}",
            )
        elif target == DeliveryStatus.COMPLAINED:
            Suppression.objects.get_or_create(
                email=delivery.to_email.lower(),
                defaults={
                    "reason": Suppression.Reason.COMPLAINT,
                    "contact_id": delivery.contact_id,
                    "delivery": delivery,
                },
            )
            _tell_staff(
                delivery.mailing,
                f"Spam complaint from {delivery.to_email}",
                f"{delivery.to_email} marked the message as spam; the address is "
                "suppressed for future sends.",
            )
    return target


_OUR_MESSAGE_ID = re.compile(r"<([0-9a-f-]{36})@([^>\s]+)>", re.IGNORECASE)


def record_inbound_reply(*, message) -> InboundReply:
    """Store a reply against its mission: by the message it answers, else its sender."""
    refs = f"{message.get('In-Reply-To', '')} {message.get('References', '')}"
    keys = []
    for key, domain in _OUR_MESSAGE_ID.findall(refs):
        if domain.lower() == settings.EMAIL_DOMAIN.lower():
            try:
                keys.append(uuid.UUID(key))
            except ValueError:
                continue
    delivery = (
        Delivery.objects.select_related("contact__mission")
        .filter(idempotency_key__in=keys)
        .first()
    )
    sender = parseaddr(str(message.get("From", "")))[1].lower()
    mission = None
    if delivery and delivery.contact_id:
        mission = delivery.contact.mission
    if mission is None and sender:
        contact = (
            MissionContact.objects.select_related("mission")
            .filter(email__iexact=sender)
            .first()
        )
        mission = (
            contact.mission
            if contact
            else Mission.objects.filter(email__iexact=sender).first()
        )
    text = getattr(message, "text", None)
    if text is None:
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body else ""
    message_id = str(message.get("Message-ID", "")).strip()[:400]
    fields = {
        "mission": mission,
        "delivery": delivery,
        "from_email": sender or str(message.get("From", ""))[:254],
        "subject": str(message.get("Subject", ""))[:400],
        "text": text or "",
        "headers": "\n".join(f"{k}: {v}" for k, v in message.items()),
    }
    if message_id:
        reply, _ = InboundReply.objects.get_or_create(
            message_id=message_id, defaults=fields
        )
        return reply
    return InboundReply.objects.create(**fields)
