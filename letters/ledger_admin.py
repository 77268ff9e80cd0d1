"""Django admin for the delivery ledger: it shows what happened; workers send."""

from django.contrib import admin

from .ledger import (
    Delivery,
    DeliveryAttempt,
    DeliveryEvent,
    InboundReply,
    Mailing,
    Suppression,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """The ledger is written by its services only; the admin shows it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Mailing)
class MailingAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "campaign", "status", "launched_at"]
    list_filter = ["kind", "status"]
    search_fields = ["name"]


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["to_email", "state", "status", "attempts", "sent_at", "mailing"]
    list_filter = ["status", "mailing__kind"]
    search_fields = ["to_email", "idempotency_key", "provider_message_id"]
    list_select_related = ["state", "mailing"]
    inlines = [DeliveryAttemptInline]


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(ReadOnlyAdmin):
    list_display = ["delivery", "outcome", "started_at", "finished_at", "worker"]
    list_filter = ["outcome"]
    list_select_related = ["delivery"]


@admin.register(DeliveryEvent)
class DeliveryEventAdmin(ReadOnlyAdmin):
    list_display = ["provider", "event_id", "event_type", "delivery", "received_at"]
    list_filter = ["provider", "event_type"]


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    """Staff may lift a suppression here (delete it) once the address is right."""

    list_display = ["email", "reason", "since"]
    list_filter = ["reason"]
    search_fields = ["email"]


@admin.register(InboundReply)
class InboundReplyAdmin(ReadOnlyAdmin):
    list_display = ["mission", "from_email", "subject", "received_at"]
    search_fields = ["from_email", "subject"]
    list_select_related = ["mission__state"]
