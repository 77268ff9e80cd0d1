"""Django admin for staff accounts and organisations."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import (
    AuditEvent,
    Contact,
    ContactList,
    Invitation,
    Membership,
    Note,
    Organisation,
    User,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the site writes itself: shown in the admin, never added, edited or
    deleted there."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Name", {"fields": ("first_name", "last_name")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined", "session_epoch")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),
    )
    inlines = [MembershipInline]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "country", "is_demo"]
    prepopulated_fields = {"slug": ["short_name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "is_active"]
    list_filter = ["role", "is_active", "organisation"]
    search_fields = ["user__email", "organisation__name"]
    list_select_related = ["user", "organisation"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organisation", "role", "created_at", "expires_at"]
    list_filter = ["role", "organisation"]
    search_fields = ["email"]
    readonly_fields = ["key", "accepted_at", "accepted_by", "revoked_at"]


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "campaign", "state", "updated_at"]
    list_filter = ["organisation"]


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(ContactList)
class ContactListAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation"]
    list_filter = ["organisation"]
    inlines = [ContactInline]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "contact_list"]
    search_fields = ["name", "email"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the trail is written by the site, never edited."""

    list_display = ["at", "action", "actor_email", "organisation", "ip_address"]
    list_filter = ["action", "organisation"]
    search_fields = ["actor_email", "target_repr", "ip_address"]
    date_hierarchy = "at"
