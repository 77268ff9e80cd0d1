"""Public pages: subscribe to a resolution's results, confirm, unsubscribe."""

from __future__ import annotations

import logging

from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt

from campaign.models import ResolutionSeries

from . import subscriptions
from .reminder_forms import SubscribeForm, new_stamp

logger = logging.getLogger(__name__)


def subscribe(request, slug):
    series = get_object_or_404(ResolutionSeries, slug=slug)
    form = SubscribeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            if form.is_bot:
                logger.info("Subscription form: honeypot filled; ignored.")
                return redirect("subscriptions:subscribe_sent", series.slug)
            try:
                subscriptions.subscribe(
                    series=series,
                    email=form.cleaned_data["email"],
                    ip_digest=subscriptions.ip_hash(request.META.get("REMOTE_ADDR")),
                )
            except subscriptions.RateLimited as exc:
                form.add_error(None, str(exc))
                status = 429
            else:
                return redirect("subscriptions:subscribe_sent", series.slug)
        else:
            status = 400
        form.data = form.data.copy()
        form.data["stamp"] = new_stamp()
    return render(
        request,
        "letters/subscriptions/subscribe.html",
        {"series": series, "form": form},
        status=status,
    )


def subscribe_sent(request, slug):
    series = get_object_or_404(ResolutionSeries, slug=slug)
    return render(request, "letters/subscriptions/sent.html", {"series": series})


def confirm(request, signed):
    subscription = subscriptions.subscription_for_confirmation(signed)
    if subscription is None:
        return render(request, "letters/subscriptions/invalid.html", status=404)
    # Mail scanners open links; only a person pressing the button confirms.
    if request.method == "POST":
        subscription = subscriptions.confirm(subscription=subscription)
    return render(
        request,
        "letters/subscriptions/confirm.html",
        {"subscription": subscription, "series": subscription.series},
    )


@csrf_exempt  # RFC 8058: mail clients POST with no cookie; the token is the key.
def unsubscribe(request, token):
    if request.method == "POST":
        subscription = subscriptions.unsubscribe(token=token)
    else:
        subscription = subscriptions.Subscription.objects.filter(token=token).first()
    if subscription is None:
        return render(request, "letters/subscriptions/invalid.html", status=404)
    return render(
        request,
        "letters/subscriptions/unsubscribe.html",
        {"subscription": subscription, "series": subscription.series},
    )
