"""Public subscriptions to a resolution's results: double opt-in, one-click leave."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from campaign.models import Ballot, ResolutionSeries
from campaign.tallies import Tally

from . import outgoing
from .reminders import Subscription

logger = logging.getLogger(__name__)

CONFIRM_SALT = "letters.subscription.confirm"
CONFIRM_MAX_AGE = 7 * 24 * 3600
# Per visitor (by hashed IP) and per address: enough for a person, too few for
# a script using the form to mail strangers.
IP_LIMIT = (5, 3600)
ADDRESS_LIMIT = (3, 24 * 3600)


class RateLimited(Exception):
    """Too many subscription requests from one visitor or for one address."""


def ip_hash(ip: str) -> str:
    """A keyed hash of the visitor's IP: enough to rate-limit, useless to trace."""
    return salted_hmac("letters.subscription.ip", ip or "-").hexdigest()


def _over_limit(key: str, limit: tuple[int, int]) -> bool:
    allowed, seconds = limit
    cache.add(key, 0, timeout=seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        count = 1
    return count > allowed


def check_rate(*, ip_digest: str, email: str) -> None:
    if _over_limit(f"subscribe:ip:{ip_digest}", IP_LIMIT):
        raise RateLimited("Too many requests from your network; try again in an hour.")
    address = salted_hmac("letters.subscription.email", email).hexdigest()
    if _over_limit(f"subscribe:email:{address}", ADDRESS_LIMIT):
        raise RateLimited("Too many requests for this address today.")


def unsubscribe_url(token: str) -> str:
    return settings.SITE_URL + reverse("subscriptions:unsubscribe", args=[token])


def list_headers(token: str) -> dict[str, str]:
    """RFC 2369 and RFC 8058 headers: every message to a subscriber carries them."""
    mailto = settings.DEFAULT_FROM_EMAIL
    return {
        "List-Unsubscribe": (
            f"<{unsubscribe_url(token)}>, <mailto:{mailto}?subject=unsubscribe-{token}>"
        ),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def confirm_url(subscription: Subscription) -> str:
    signed = signing.dumps(subscription.token, salt=CONFIRM_SALT)
    return settings.SITE_URL + reverse("subscriptions:confirm", args=[signed])


@dataclass(frozen=True)
class SubscribeResult:
    mailed: bool


@transaction.atomic
def subscribe(
    *, series: ResolutionSeries, email: str, ip_digest: str
) -> SubscribeResult:
    """Record the wish and mail a confirmation link; silent about what existed.

    An address already confirmed gets nothing new, so the form never reveals
    who is subscribed.
    """
    email = email.strip().lower()
    check_rate(ip_digest=ip_digest, email=email)
    try:
        with transaction.atomic():
            subscription, _ = Subscription.objects.get_or_create(
                email=email,
                series=series,
                defaults={
                    "token": secrets.token_urlsafe(32),
                    "created_ip_hash": ip_digest,
                },
            )
    except IntegrityError:
        subscription = Subscription.objects.get(email=email, series=series)
    if subscription.is_active:
        return SubscribeResult(mailed=False)
    if subscription.unsubscribed_at is not None:
        subscription.unsubscribed_at = None
        subscription.confirmed_at = None
    subscription.confirmation_sent_at = timezone.now()
    subscription.save()
    context = {
        "series": series,
        "confirm_url": confirm_url(subscription),
        "unsubscribe_url": unsubscribe_url(subscription.token),
    }
    outgoing.deliver(
        kind="subscription:confirm",
        recipients=[email],
        subject=f"Confirm: results of “{series.title}”",
        text=render_to_string("letters/emails/subscription_confirm.txt", context),
        html=render_to_string("letters/emails/subscription_confirm.html", context),
        headers=list_headers(subscription.token),
        key=f"subscription:{subscription.pk}:confirm:"
        f"{subscription.confirmation_sent_at.timestamp():.0f}",
    )
    return SubscribeResult(mailed=True)


def subscription_for_confirmation(signed: str) -> Subscription | None:
    try:
        token = signing.loads(signed, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:
        return None
    return Subscription.objects.select_related("series").filter(token=token).first()


def confirm(*, subscription: Subscription) -> Subscription:
    """Idempotent: the first confirmation's moment is kept."""
    Subscription.objects.filter(pk=subscription.pk, confirmed_at__isnull=True).update(
        confirmed_at=timezone.now(), unsubscribed_at=None
    )
    subscription.refresh_from_db()
    return subscription


def unsubscribe(*, token: str) -> Subscription | None:
    """Idempotent, by the secret token alone (RFC 8058 one-click)."""
    subscription = Subscription.objects.filter(token=token).first()
    if subscription is None:
        return None
    Subscription.objects.filter(
        pk=subscription.pk, unsubscribed_at__isnull=True
    ).update(unsubscribed_at=timezone.now())
    subscription.refresh_from_db()
    return subscription


def result_message(*, ballot: Ballot, tally: Tally | None, token: str) -> dict:
    """Subject, text, html and headers of one subscriber's result message."""
    context = {
        "ballot": ballot,
        "series": ballot.document.series,
        "tally": tally,
        "reported": ballot.reported_tally,
        "ballot_url": settings.SITE_URL + ballot.get_absolute_url(),
        "unsubscribe_url": unsubscribe_url(token),
    }
    return {
        "subject": (
            f"{ballot.get_outcome_display()}: "
            f"{ballot.subject or ballot.document.symbol}"
        ),
        "text": render_to_string("letters/emails/subscription_result.txt", context),
        "html": render_to_string("letters/emails/subscription_result.html", context),
        "headers": list_headers(token),
    }
