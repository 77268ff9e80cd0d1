"""The site's URLs: public pages, staff screens, admin and health."""

from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from campaign.api import api
from campaign.feeds import RecordFeed
from campaign.views import (
    cosponsors,
    dashboard,
    entry,
    health,
    history,
    open_data,
    public,
    record,
    staff,
)
from letters.urls import public_patterns as letter_public_patterns

campaign_patterns = [
    path("", public.home, name="home"),
    path("states/", public.state_list, name="state_list"),
    path("states/<str:iso3>/", public.state_detail, name="state_detail"),
    path("series/<slug:slug>/", public.series_detail, name="series_detail"),
    path("series/<slug:slug>/totals.csv", open_data.series_csv, name="series_csv"),
    path("series/<slug:slug>/feed/", RecordFeed(), name="series_feed"),
    path("ballots/<int:pk>/", public.ballot_detail, name="ballot_detail"),
    path("ballots/<int:pk>/live/", public.ballot_live, name="ballot_live"),
    path("ballots/<int:pk>/embed/", open_data.ballot_embed, name="ballot_embed"),
    path("ballots/<int:pk>.csv", open_data.ballot_csv, name="ballot_csv"),
    path("ballots/<int:pk>.json", open_data.ballot_json, name="ballot_json"),
    path("feed/", RecordFeed(), name="feed"),
    path("staff/", dashboard.dashboard_index, name="dashboard_index"),
    path("staff/campaigns/<slug:slug>/", dashboard.dashboard, name="dashboard"),
    path(
        "staff/campaigns/<slug:slug>/stances/history/",
        history.stance_history,
        name="stance_history",
    ),
    path(
        "staff/campaigns/<slug:slug>/stances/<str:iso3>/",
        dashboard.stance_edit,
        name="stance_edit",
    ),
    path("staff/ballots/", entry.ballot_list, name="ballot_list"),
    path("staff/ballots/<int:pk>/entry/", entry.vote_entry, name="vote_entry"),
    path(
        "staff/ballots/<int:pk>/history/", history.ballot_history, name="ballot_history"
    ),
    path(
        "staff/documents/<int:pk>/cosponsors/", cosponsors.cosponsors, name="cosponsors"
    ),
    path(
        "staff/cosponsorships/<int:pk>/withdraw/",
        cosponsors.withdraw,
        name="cosponsor_withdraw",
    ),
    path("staff/missions/", staff.mission_list, name="mission_list"),
    path("staff/missions/import/", staff.contacts_import, name="contacts_import"),
    path("staff/missions/contacts.csv", staff.contacts_export, name="contacts_export"),
    path("staff/record/import/", record.votes_import, name="votes_import"),
    path(
        "staff/record/import/confirm/",
        record.votes_import_confirm,
        name="votes_import_confirm",
    ),
]

urlpatterns = [
    path("", include((campaign_patterns, "campaign"))),
    path("staff/", include("letters.urls")),
    path("staff/", include("accounts.staff_urls")),
    path("letters/", include((letter_public_patterns, "letters_public"))),
    path("", include("letters.subscription_urls")),
    path("accounts/", include("accounts.urls")),
    path("api/", api.urls),
    path("anymail/", include("anymail.urls")),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    # Exempt so that cached public pages carry no per-visitor token: a forged
    # request could only switch the visitor's language.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
]
