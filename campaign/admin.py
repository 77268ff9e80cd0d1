"""Django admin for the UN record."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin import ReadOnlyAdmin

from . import pagecache
from .models import (
    Ballot,
    BallotPositions,
    Bloc,
    Campaign,
    Cosponsorship,
    Document,
    MemberState,
    Mission,
    MissionContact,
    Participation,
    RecordRevision,
    RegistryRevision,
    ResolutionSeries,
    Stance,
    Vote,
)


class PublicRecordAdmin(admin.ModelAdmin):
    """Edits here change what the public pages show: a new generation of them.

    The admin saves inside a transaction, so the pages change once it commits.
    """

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        pagecache.record_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        pagecache.record_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        pagecache.record_changed()


@admin.register(Bloc)
class BlocAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "source"]


@admin.register(MemberState)
class MemberStateAdmin(PublicRecordAdmin):
    list_display = [
        "name",
        "iso3",
        "iso2",
        "regional_group",
        "member_since",
        "is_observer",
    ]
    list_filter = ["regional_group", "is_observer", "blocs"]
    search_fields = ["name", "iso3", "iso2"]
    filter_horizontal = ["blocs"]


@admin.register(RegistryRevision)
class RegistryRevisionAdmin(ReadOnlyAdmin):
    """Read only: the database's triggers set the token (see the model)."""

    list_display = ["token"]


@admin.register(RecordRevision)
class RecordRevisionAdmin(ReadOnlyAdmin):
    """Read only: the database's triggers set the token (see the model)."""

    list_display = ["token"]


@admin.register(BallotPositions)
class BallotPositionsAdmin(ReadOnlyAdmin):
    """Read only: the database's triggers keep each row (see the model)."""

    list_display = ["ballot_id", "positions", "notes"]


class MissionContactInline(admin.TabularInline):
    model = MissionContact
    extra = 0


@admin.register(Mission)
class MissionAdmin(admin.ModelAdmin):
    list_display = ["state", "city", "email"]
    list_filter = ["city", "state__regional_group"]
    search_fields = ["state__name"]
    inlines = [MissionContactInline]


@admin.register(MissionContact)
class MissionContactAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "title",
        "email",
        "mission",
        "preferred_language",
        "is_head",
    ]
    list_filter = ["preferred_language", "is_head"]
    search_fields = ["name", "email", "mission__state__name"]
    list_select_related = ["mission__state"]


@admin.register(ResolutionSeries)
class ResolutionSeriesAdmin(PublicRecordAdmin):
    list_display = ["title", "slug", "is_fictional"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Document)
class DocumentAdmin(PublicRecordAdmin):
    list_display = ["symbol", "kind", "body", "session", "date", "series"]
    list_filter = ["kind", "body", "session"]
    search_fields = ["symbol", "title"]
    filter_horizontal = ["proposed_by"]


class VoteInline(admin.TabularInline):
    model = Vote
    extra = 0
    autocomplete_fields = ["state"]


@admin.register(Ballot)
class BallotAdmin(PublicRecordAdmin, SimpleHistoryAdmin):
    list_display = ["__str__", "body", "date", "outcome", "is_recorded"]
    list_filter = ["body", "outcome", "is_recorded"]
    search_fields = ["subject", "document__symbol"]
    list_select_related = ["document"]
    inlines = [VoteInline]


@admin.register(Vote)
class VoteAdmin(PublicRecordAdmin, SimpleHistoryAdmin):
    list_display = ["ballot", "state", "position", "note"]
    list_filter = ["position"]
    list_select_related = ["ballot__document", "state"]
    autocomplete_fields = ["state"]


@admin.register(Cosponsorship)
class CosponsorshipAdmin(PublicRecordAdmin, SimpleHistoryAdmin):
    list_display = ["state", "document", "role", "since", "source", "withdrawn_on"]
    list_filter = ["role", "source"]
    list_select_related = ["state", "document"]
    autocomplete_fields = ["state"]


class ParticipationInline(admin.TabularInline):
    model = Participation
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["title", "series", "session", "lead"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ParticipationInline]


@admin.register(Stance)
class StanceAdmin(SimpleHistoryAdmin):
    list_display = ["state", "campaign", "position", "owner_organisation", "updated_at"]
    list_filter = ["position", "campaign"]
    list_select_related = ["state", "campaign", "owner_organisation"]
    autocomplete_fields = ["state"]


@admin.register(Participation)
class ParticipationAdmin(admin.ModelAdmin):
    list_display = ["organisation", "campaign", "status", "created_at"]
    list_filter = ["status", "campaign"]
    list_select_related = ["organisation", "campaign"]
