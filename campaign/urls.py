"""The site's URLs: public pages, staff screens, admin and health."""

from django.contrib import admin
from django.urls import include, path

from campaign.views import health, public, staff

campaign_patterns = [
    path("", public.home, name="home"),
    path("states/", public.state_list, name="state_list"),
    path("states/<str:iso3>/", public.state_detail, name="state_detail"),
    path("series/<slug:slug>/", public.series_detail, name="series_detail"),
    path("ballots/<int:pk>/", public.ballot_detail, name="ballot_detail"),
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
    path("anymail/", include("anymail.urls")),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
]
