"""Public pages: the home page and the record as visitors read it."""

from django.shortcuts import get_object_or_404, render

from campaign.models import Ballot, Cosponsorship, MemberState, ResolutionSeries, Vote
from campaign.tallies import differences


def home(request):
    series = ResolutionSeries.objects.order_by("is_fictional", "title")
    latest = (
        Ballot.objects.recorded()
        .select_related("document__series")
        .order_by("-date", "pk")[:6]
    )
    return render(
        request,
        "campaign/home.html",
        {
            "series_list": series,
            "latest_ballots": latest,
            "member_count": MemberState.objects.members().count(),
        },
    )


def series_detail(request, slug):
    series = get_object_or_404(ResolutionSeries, slug=slug)
    ballots = (
        Ballot.objects.filter(document__series=series)
        .select_related("document")
        .order_by("date", "pk")
    )
    return render(
        request, "campaign/series_detail.html", {"series": series, "ballots": ballots}
    )


def ballot_detail(request, pk):
    ballot = get_object_or_404(Ballot.objects.select_related("document__series"), pk=pk)
    tally = Vote.objects.for_ballot(ballot).tally()
    votes = Vote.objects.for_ballot(ballot).select_related("state")
    return render(
        request,
        "campaign/ballot_detail.html",
        {
            "ballot": ballot,
            "series": ballot.document.series,
            "tally": tally,
            "reported": ballot.reported_tally,
            "has_record": tally.total > 0,
            "differences": differences(tally, ballot.reported_tally)
            if tally.total
            else {},
            "votes": votes,
        },
    )


def state_list(request):
    states = MemberState.objects.order_by("regional_group", "name")
    return render(request, "campaign/state_list.html", {"states": states})


def state_detail(request, iso3):
    state = get_object_or_404(
        MemberState.objects.prefetch_related("blocs"), iso3=iso3.upper()
    )
    votes = (
        Vote.objects.filter(state=state)
        .select_related("ballot__document__series")
        .order_by("-ballot__date")
    )
    cosponsorships = Cosponsorship.objects.filter(state=state).select_related(
        "document__series"
    )
    return render(
        request,
        "campaign/state_detail.html",
        {"state": state, "votes": votes, "cosponsorships": cosponsorships},
    )
