"""Staff URLs for letters and captured mail."""

from django.urls import path

from . import delivery_views, views

app_name = "letters"

urlpatterns = [
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/test/", views.outbox_test, name="outbox_test"),
    path("outbox/<str:name>/", views.outbox_message, name="outbox_message"),
    path(
        "outbox/<str:name>/html/", views.outbox_message_html, name="outbox_message_html"
    ),
    path("mailings/", delivery_views.mailing_list, name="mailing_list"),
    path("mailings/<int:pk>/", delivery_views.mailing_detail, name="mailing_detail"),
    path(
        "mailings/<int:pk>/attempts.csv",
        delivery_views.mailing_attempts_csv,
        name="mailing_attempts_csv",
    ),
]
