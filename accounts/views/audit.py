"""An organisation's audit trail, filtered and paginated (its admins only)."""

from django.core.paginator import Paginator
from django.shortcuts import render

from ..forms import AuditFilterForm
from ..models import AuditEvent, Organisation
from ..policy import load, requires

PER_PAGE = 50


@requires("audit.read", load=load(Organisation, slug="slug"))
def audit_log(request, organisation):
    form = AuditFilterForm(request.GET or None, organisation=organisation)
    events = AuditEvent.objects.of(organisation).select_related("actor")
    if form.is_valid():
        data = form.cleaned_data
        events = events.filtered(
            action=data["action"],
            actor=data["person"],
            since=data["since"],
            until=data["until"],
        )
    page = Paginator(events, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/audit_log.html",
        {
            "organisation": organisation,
            "form": form,
            "page": page,
            "query": query.urlencode(),
        },
        status=400 if form.errors else 200,
    )
