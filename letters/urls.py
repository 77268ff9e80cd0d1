"""URLs for letters: staff screens under /staff/, public pages under /letters/."""

from django.urls import path

from . import appeal_views, delivery_views, reminder_views
from .views import documents, drafting, outbox, public, signing

app_name = "letters"

urlpatterns = [
    path("outbox/", outbox.outbox, name="outbox"),
    path("outbox/test/", outbox.outbox_test, name="outbox_test"),
    path("outbox/<str:name>/", outbox.outbox_message, name="outbox_message"),
    path(
        "outbox/<str:name>/html/",
        outbox.outbox_message_html,
        name="outbox_message_html",
    ),
    path("campaigns/<slug:slug>/letters/", drafting.letter_list, name="letter_list"),
    path("campaigns/<slug:slug>/letters/new/", drafting.letter_new, name="letter_new"),
    path(
        "campaigns/<slug:slug>/letters/start-from/",
        drafting.letter_start_from,
        name="letter_start_from",
    ),
    path("letters/<int:pk>/", drafting.letter_detail, name="letter_detail"),
    path(
        "letters/<int:pk>/edit/<str:language>/",
        drafting.letter_edit,
        name="letter_edit",
    ),
    path("letters/<int:pk>/diff/", drafting.version_diff, name="version_diff"),
    path("letters/<int:pk>/preview/", drafting.letter_preview, name="letter_preview"),
    path("letters/<int:pk>/pdf/", documents.letter_pdf, name="letter_pdf"),
    path("letters/<int:pk>/invite/", signing.cosigner_invite, name="cosigner_invite"),
    path("letters/<int:pk>/deadline/", signing.letter_deadline, name="letter_deadline"),
    path("letters/<int:pk>/publish/", signing.letter_publish, name="letter_publish"),
    path("versions/<int:pk>/", drafting.version_detail, name="version_detail"),
    path("versions/<int:pk>/comment/", drafting.comment_add, name="comment_add"),
    path("versions/<int:pk>/status/", drafting.version_status, name="version_status"),
    path("versions/<int:pk>/sign-off/", signing.sign_off, name="sign_off"),
    path("versions/<int:pk>/template/", drafting.template_save, name="template_save"),
    path(
        "cosigners/<int:pk>/respond/", signing.cosigner_respond, name="cosigner_respond"
    ),
    path(
        "cosigners/<int:pk>/withdraw/",
        signing.cosigner_withdraw,
        name="cosigner_withdraw",
    ),
    path("cosigners/<int:pk>/move/", signing.cosigner_move, name="cosigner_move"),
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
    path("mailings/", delivery_views.mailing_list, name="mailing_list"),
    path("mailings/<int:pk>/", delivery_views.mailing_detail, name="mailing_detail"),
    path(
        "mailings/<int:pk>/attempts.csv",
        delivery_views.mailing_attempts_csv,
        name="mailing_attempts_csv",
    ),
    # Appeals
    path(
        "campaigns/<slug:slug>/appeals/", appeal_views.appeal_list, name="appeal_list"
    ),
    path(
        "campaigns/<slug:slug>/appeals/new/",
        appeal_views.appeal_new,
        name="appeal_new",
    ),
    path("appeals/<int:pk>/", appeal_views.appeal_detail, name="appeal_detail"),
    path("appeals/<int:pk>/edit/", appeal_views.appeal_edit, name="appeal_edit"),
    path("appeals/<int:pk>/launch/", appeal_views.appeal_launch, name="appeal_launch"),
    path(
        "appeals/<int:pk>/schedule/",
        appeal_views.appeal_schedule,
        name="appeal_schedule",
    ),
    path("appeals/<int:pk>/status/", appeal_views.appeal_status, name="appeal_status"),
    path(
        "appeals/<int:pk>/progress/",
        appeal_views.appeal_progress,
        name="appeal_progress",
    ),
]

public_patterns = [
    path("<slug:slug>/", public.letter_page, name="letter"),
    path("<slug:slug>/pdf/", documents.public_pdf, name="letter_pdf"),
]
