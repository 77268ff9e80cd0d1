"""Public URLs for subscribing to a resolution's results."""

from django.urls import path

from . import subscription_views as views

app_name = "subscriptions"

urlpatterns = [
    path("series/<slug:slug>/subscribe/", views.subscribe, name="subscribe"),
    path(
        "series/<slug:slug>/subscribe/sent/",
        views.subscribe_sent,
        name="subscribe_sent",
    ),
    path("subscriptions/confirm/<str:signed>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
