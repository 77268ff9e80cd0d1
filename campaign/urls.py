"""The site's URLs: public pages, staff screens, admin and health."""

from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from campaign.feeds import RecordFeed
from campaign.views import health, open_data, public, staff

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
    path("staff/", staff.dashboard_index, name="dashboard_index"),
    path("staff/campaigns/<slug:slug>/", staff.dashboard, name="dashboard"),
    path("staff/missions/", staff.mission_list, name="mission_list"),
    path("staff/missions/import/", staff.contacts_import, name="contacts_import"),
    path("staff/missions/contacts.csv", staff.contacts_export, name="contacts_export"),
]

urlpatterns = [
    path("", include((campaign_patterns, "campaign"))),
    path("staff/", include("letters.urls")),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    # Exempt so that cached public pages carry no per-visitor token: a forged
    # request could only switch the visitor's language.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
]
