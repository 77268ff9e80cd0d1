"""Django admin for reminder rules, due reminders, follows, alerts and subscriptions."""

from django import forms
from django.contrib import admin

from . import schedule
from .reminder_forms import add_rule_problems
from .reminders import AlertEvent, Follow, Reminder, ReminderRule, Subscription


class ReminderInline(admin.TabularInline):
    model = Reminder
    extra = 0
    readonly_fields = ["claimed_at", "claimed_by", "attempts", "sent_at"]


class ReminderRuleAdminForm(forms.ModelForm):
    """The staff form's checks of anchor and audience, on the admin's fields."""

    class Meta:
        model = ReminderRule
        fields = [
            "campaign",
            "name",
            "anchor",
            "ballot",
            "letter_id",
            "offset_days",
            "local_time",
            "audience",
            "mission_filter",
            "subject",
            "message",
            "skip_if_late_by",
            "status",
            "created_by",
        ]

    def clean(self):
        data = super().clean()
        add_rule_problems(self, data, letter_field="letter_id")
        return data


@admin.register(ReminderRule)
class ReminderRuleAdmin(admin.ModelAdmin):
    form = ReminderRuleAdminForm
    list_display = ["name", "campaign", "audience", "anchor", "offset_days", "status"]
    list_filter = ["status", "audience", "campaign"]
    raw_id_fields = ["ballot", "created_by"]
    inlines = [ReminderInline]

    def save_model(self, request, obj, form, change):
        # As the staff pages do: the pending reminder follows the rule at once.
        schedule.save_reminder_rule(rule=obj, by=request.user)


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["rule", "due_at", "status", "recipient_count", "note"]
    list_filter = ["status"]
    list_select_related = ["rule"]


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["user", "series", "state", "frequency"]
    list_select_related = ["user", "series", "state"]


@admin.register(AlertEvent)
class AlertEventAdmin(admin.ModelAdmin):
    list_display = ["summary", "kind", "created_at"]
    list_filter = ["kind"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Superusers only, and no list of addresses: an exact-address search finds
    one person's record (to answer a request to see or erase it)."""

    list_display = ["pk", "series", "confirmed_at", "unsubscribed_at"]
    list_filter = ["series"]
    search_fields = ["=email"]
    readonly_fields = ["token", "created_ip_hash", "created_at"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
