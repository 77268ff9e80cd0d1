"""Signals from django-anymail and from the UN record, each handed to one service."""

import logging

from anymail.signals import inbound, tracking
from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.utils import translation

from campaign import signals as record

from . import alerts, delivery, schedule

log = logging.getLogger(__name__)


@receiver(tracking, dispatch_uid="letters.tracking")
def on_tracking_event(sender, event, esp_name, **kwargs):
    delivery.apply_tracking_event(
        provider=esp_name,
        event_type=event.event_type,
        event_id=event.event_id,
        message_id=event.message_id,
        metadata=event.metadata or {},
        recipient=event.recipient,
        timestamp=event.timestamp,
        reject_reason=event.reject_reason,
        description=event.description or event.mta_response or "",
        soft_bounce=_is_soft_bounce(event.esp_event),
    )


def _is_soft_bounce(esp_event) -> bool:
    """Postmark reports soft bounces as bounces; anymail keeps the original type."""
    return isinstance(esp_event, dict) and esp_event.get("Type") == "SoftBounce"


@receiver(inbound, dispatch_uid="letters.inbound")
def on_inbound_message(sender, event, esp_name, **kwargs):
    delivery.record_inbound_reply(message=event.message)


# The UN record's changes (campaign/signals.py), to alerts and result reminders.
# Each runs in a savepoint of the change's own transaction: alerts and mail are
# written exactly when the change commits, and a failure here is logged without
# undoing the change.


def _quietly(service, **kwargs) -> None:
    try:
        # In the site's language, not that of the request that made the change.
        with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
            service(**kwargs)
    except Exception:
        log.exception("%s failed; the change to the record stands", service.__name__)


@receiver(record.votes_recorded, dispatch_uid="letters.votes_recorded")
def on_votes_recorded(sender, ballots, **kwargs):
    _quietly(alerts.alert_votes_recorded, ballots=ballots)


@receiver(record.outcome_decided, dispatch_uid="letters.outcome_decided")
def on_outcome_decided(sender, ballots, **kwargs):
    _quietly(schedule.notify_subscribers_of_results, ballot_ids=[b.pk for b in ballots])


@receiver(record.cosponsors_added, dispatch_uid="letters.cosponsors_added")
def on_cosponsors_added(sender, document, states, **kwargs):
    _quietly(alerts.alert_cosponsors_added, document=document, states=states)


@receiver(record.cosponsor_withdrawn, dispatch_uid="letters.cosponsor_withdrawn")
def on_cosponsor_withdrawn(sender, cosponsorship, **kwargs):
    _quietly(alerts.alert_cosponsor_withdrawn, cosponsorship=cosponsorship)


@receiver(record.stance_changed, dispatch_uid="letters.stance_changed")
def on_stance_changed(sender, stance, **kwargs):
    _quietly(alerts.alert_stance_changed, stance=stance)
