"""Admin for letters: read what was saved and signed; writes go through the site."""

from django.contrib import admin

from .models import (
    Appeal,
    Comment,
    CoSigner,
    Letter,
    LetterTemplate,
    LetterVersion,
    SignOff,
)


class CoSignerInline(admin.TabularInline):
    model = CoSigner
    extra = 0


@admin.register(Letter)
class LetterAdmin(admin.ModelAdmin):
    list_display = ["title", "campaign", "lead", "is_published", "created_at"]
    list_filter = ["is_published", "campaign"]
    search_fields = ["title"]
    inlines = [CoSignerInline]


@admin.register(LetterVersion)
class LetterVersionAdmin(admin.ModelAdmin):
    list_display = ["letter", "language", "number", "status", "created_at"]
    list_filter = ["language", "status"]
    readonly_fields = ["body_html", "text_hash"]


@admin.register(SignOff)
class SignOffAdmin(admin.ModelAdmin):
    list_display = ["version", "organisation", "signatory", "signed_at"]
    readonly_fields = ["text_hash", "signed_at"]


@admin.register(CoSigner)
class CoSignerAdmin(admin.ModelAdmin):
    list_display = ["organisation", "letter", "status", "order"]
    list_filter = ["status"]
    list_select_related = ["organisation", "letter"]


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    """Appeals launch, pause and cancel through the site's gate, not here."""

    list_display = ["name", "campaign", "letter", "status", "scheduled_at"]
    list_filter = ["status", "campaign"]
    list_select_related = ["campaign", "letter"]
    readonly_fields = ["status", "versions", "mailing", "launched_at"]


admin.site.register(Comment)
admin.site.register(LetterTemplate)
from .ledger_admin import *  # noqa: E402, F401, F403
from .reminders_admin import *  # noqa: E402, F401, F403
