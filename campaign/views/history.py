"""Change history for staff: a ballot and its votes, a campaign's stances."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from accounts.policy import load, requires
from campaign import audit
from campaign.models import Ballot, Campaign, Stance, Vote

PAGE_SIZE = 100


def _page(request, changes):
    return Paginator(changes, PAGE_SIZE).get_page(request.GET.get("page"))


@requires("staff.view")
def ballot_history(request, pk):
    ballot = get_object_or_404(Ballot.objects.select_related("document"), pk=pk)
    ballot_changes = audit.changes(
        Ballot.history.filter(id=ballot.pk).select_related("history_user"),
        fields=["is_recorded", "outcome", "date", "subject"],
        subject=lambda r: "Ballot",
    )
    vote_changes = audit.changes(
        Vote.history.filter(ballot_id=ballot.pk).select_related(
            "history_user", "state"
        ),
        fields=["position", "note"],
        subject=lambda r: r.state.name,
    )
    return render(
        request,
        "campaign/staff/history.html",
        {
            "title": f"Changes to {ballot}",
            "back": ballot.get_absolute_url(),
            "sections": [("Ballot", ballot_changes[:50])],
            "page": _page(request, vote_changes),
            "page_heading": "Votes",
        },
    )


@requires("stances.view", load=load(Campaign, slug="slug"))
def stance_history(request, campaign):
    changes = audit.changes(
        Stance.history.filter(campaign_id=campaign.pk).select_related(
            "history_user", "state", "owner_organisation", "owner"
        ),
        fields=["position", "owner_organisation", "owner", "notes"],
        subject=lambda r: r.state.name,
    )
    return render(
        request,
        "campaign/staff/history.html",
        {
            "title": f"Stances in {campaign}",
            "back": campaign.get_absolute_url(),
            "sections": [],
            "page": _page(request, changes),
            "page_heading": "Stances",
        },
    )
