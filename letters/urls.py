"""Staff URLs for letters and captured mail."""

from django.urls import path

from . import reminder_views, views

app_name = "letters"

urlpatterns = [
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/test/", views.outbox_test, name="outbox_test"),
    path("outbox/<str:name>/", views.outbox_message, name="outbox_message"),
    path(
        "outbox/<str:name>/html/", views.outbox_message_html, name="outbox_message_html"
    ),
    # Reminders and alerts
    path(
        "campaigns/<slug:slug>/reminders/",
        reminder_views.reminder_list,
        name="reminder_list",
    ),
    path(
        "campaigns/<slug:slug>/reminders/new/",
        reminder_views.reminder_edit,
        name="reminder_new",
    ),
    path(
        "campaigns/<slug:slug>/reminders/<int:pk>/",
        reminder_views.reminder_preview,
        name="reminder_preview",
    ),
    path(
        "campaigns/<slug:slug>/reminders/<int:pk>/edit/",
        reminder_views.reminder_edit,
        name="reminder_edit",
    ),
    path(
        "campaigns/<slug:slug>/reminders/<int:pk>/status/",
        reminder_views.reminder_status,
        name="reminder_status",
    ),
    path("alerts/", reminder_views.follows, name="follows"),
    path("alerts/<int:pk>/unfollow/", reminder_views.unfollow, name="unfollow"),
]
