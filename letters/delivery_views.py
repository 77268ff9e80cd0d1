"""Staff screens for the delivery ledger: counts by state, every attempt, CSV export."""

import io

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts.policy import requires
from campaign.exports import write_rows

from .ledger import DeliveryAttempt, DeliveryStatus, InboundReply, Mailing

ATTEMPT_HEADER = (
    "state",
    "mission_contact",
    "email",
    "message_id",
    "delivery_status",
    "attempt",
    "started_at",
    "finished_at",
    "outcome",
    "detail",
    "worker",
)


@requires("deliveries.view")
def mailing_list(request):
    mailings = Mailing.objects.visible_to(request.user).select_related("campaign")
    return render(request, "letters/mailing_list.html", {"mailings": mailings[:200]})


@requires("deliveries.view")
def mailing_detail(request, pk):
    mailing = get_object_or_404(Mailing.objects.visible_to(request.user), pk=pk)
    deliveries = (
        mailing.deliveries.select_related("state", "contact")
        .prefetch_related(
            Prefetch("attempt_log", queryset=DeliveryAttempt.objects.order_by("pk"))
        )
        .order_by("state__name", "to_email")
    )
    status = request.GET.get("status", "")
    if status in DeliveryStatus.values:
        deliveries = deliveries.filter(status=status)
    page = Paginator(deliveries, 100).get_page(request.GET.get("page"))
    counts = mailing.deliveries.counts_by_status()
    replies = InboundReply.objects.filter(delivery__mailing=mailing).select_related(
        "mission__state"
    )
    return render(
        request,
        "letters/mailing_detail.html",
        {
            "mailing": mailing,
            "counts": [
                (value, label, counts[value]) for value, label in DeliveryStatus.choices
            ],
            "total": sum(counts.values()),
            "page": page,
            "status": status,
            "replies": replies,
        },
    )


@requires("deliveries.view")
def mailing_attempts_csv(request, pk):
    mailing = get_object_or_404(Mailing.objects.visible_to(request.user), pk=pk)
    attempts = (
        DeliveryAttempt.objects.filter(delivery__mailing=mailing)
        .select_related("delivery__state", "delivery__contact")
        .order_by("delivery__state__name", "delivery_id", "pk")
    )
    out = io.StringIO()
    write_rows(
        out,
        ATTEMPT_HEADER,
        (
            (
                a.delivery.state.name if a.delivery.state else "",
                a.delivery.contact.name if a.delivery.contact else "",
                a.delivery.to_email,
                a.delivery.message_id,
                a.delivery.status,
                a.number,
                a.started_at.isoformat(),
                a.finished_at.isoformat(),
                a.outcome,
                a.detail,
                a.worker,
            )
            for a in attempts.iterator(chunk_size=1000)
        ),
    )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="mailing-{mailing.pk}-attempts.csv"'
    )
    return response
