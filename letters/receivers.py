"""django-anymail's tracking and inbound signals, handed to the delivery ledger."""

from anymail.signals import inbound, tracking
from django.dispatch import receiver

from . import delivery


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
