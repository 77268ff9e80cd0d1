"""Cosponsor entry for a draft: paste names to add, withdraw one, see the timeline."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.policy import requires
from campaign import audit, services
from campaign.annex import split_names
from campaign.forms import CosponsorAddForm, WithdrawForm
from campaign.models import Cosponsorship, Document


@requires("record.edit")
def cosponsors(request, pk):
    document = get_object_or_404(Document.objects.select_related("series"), pk=pk)
    form = CosponsorAddForm(
        request.POST or None,
        initial={"since": timezone.localdate(), "source_ref": document.symbol},
    )
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = services.add_cosponsors(
                document=document,
                names_or_states=split_names(data["names"]),
                since=data["since"],
                source=data["source"],
                source_ref=data["source_ref"],
                role=data["role"],
                by=request.user,
            )
        except services.EntryRejected as exc:
            problems = exc.problems
        else:
            added = ", ".join(s.name for s in report.added) or _("none")
            messages.success(
                request,
                _("Added %(count)s: %(states)s.")
                % {"count": len(report.added), "states": added},
            )
            if report.already:
                messages.info(
                    request,
                    _("Already cosponsors, left as they were: %(states)s.")
                    % {"states": ", ".join(s.name for s in report.already)},
                )
            return redirect("campaign:cosponsors", pk=document.pk)
    rows = Cosponsorship.objects.filter(document=document)
    records = Cosponsorship.history.filter(document_id=document.pk).select_related(
        "history_user", "state"
    )
    return render(
        request,
        "campaign/staff/cosponsors.html",
        {
            "document": document,
            "series": document.series,
            "form": form,
            "problems": problems,
            "current": rows.current().select_related("state"),
            "timeline": rows.timeline(),
            "withdraw_form": WithdrawForm(initial={"on": timezone.localdate()}),
            "changes": audit.changes(
                records,
                fields=["role", "since", "source", "source_ref", "withdrawn_on"],
                subject=lambda r: r.state.name,
            ),
        },
        status=400 if problems or form.errors else 200,
    )


@requires("record.edit")
def withdraw(request, pk):
    cosponsorship = get_object_or_404(
        Cosponsorship.objects.select_related("state", "document"), pk=pk
    )
    if request.method != "POST":
        return redirect("campaign:cosponsors", pk=cosponsorship.document_id)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the date of the withdrawal."))
    else:
        try:
            services.withdraw_cosponsor(
                cosponsorship=cosponsorship, on=form.cleaned_data["on"], by=request.user
            )
        except services.EntryRejected as exc:
            messages.error(request, " ".join(exc.problems))
        else:
            messages.success(
                request,
                _("%(state)s withdrew on %(date)s.")
                % {"state": cosponsorship.state, "date": form.cleaned_data["on"]},
            )
    return redirect("campaign:cosponsors", pk=cosponsorship.document_id)
