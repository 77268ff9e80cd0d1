"""Vote-day entry: paste a press-release annex or type into the grid, then save."""

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.policy import requires
from campaign import services
from campaign.annex import parse_annex
from campaign.forms import AnnexForm, VoteGridForm
from campaign.models import Ballot, MemberState, Outcome, RegionalGroup, Vote
from campaign.tallies import PERMANENT_MEMBERS, Tally


@requires("record.edit")
def ballot_list(request):
    today = timezone.localdate()
    ballots = Ballot.objects.select_related("document__series")
    upcoming = ballots.filter(Q(date__gte=today) | Q(outcome=Outcome.PENDING))
    past = ballots.filter(date__lt=today).exclude(outcome=Outcome.PENDING)
    sections = [
        (_("Today and coming"), upcoming.order_by("date", "pk")),
        (_("Decided (latest 50)"), past.order_by("-date", "pk")[:50]),
    ]
    return render(request, "campaign/staff/ballot_list.html", {"sections": sections})


@requires("record.edit")
def vote_entry(request, pk):
    ballot = get_object_or_404(Ballot.objects.select_related("document__series"), pk=pk)
    members = MemberState.objects.members_on(ballot.date).order_by("name")
    recorded = dict(
        Vote.objects.for_ballot(ballot).values_list("state__iso3", "position")
    )
    initial = {f"pos-{iso3}": p for iso3, p in recorded.items()}
    initial |= {f"was-{iso3}": p for iso3, p in recorded.items()}
    initial["version"] = ballot.version
    grid = VoteGridForm(members=members, initial=initial)
    annex_form = AnnexForm()
    annex = None
    cannot_vote, not_listed = [], []
    problems: list[str] = []
    action = request.POST.get("action", "save")

    if request.method == "POST" and action == "without-vote":
        try:
            services.adopt_without_vote(ballot=ballot, by=request.user)
        except services.EntryRejected as exc:
            problems = exc.problems
        else:
            messages.success(request, _("Recorded as adopted without a vote."))
            return redirect("campaign:vote_entry", pk=ballot.pk)
    elif request.method == "POST" and action == "parse":
        # Read the paste into the grid as it stands; nothing is saved yet.
        annex_form = AnnexForm(request.POST)
        if annex_form.is_valid():
            annex = parse_annex(annex_form.cleaned_data["annex"])
            data = request.POST.copy()
            for state in grid.members:
                if state.iso3 in annex.positions:
                    data[f"pos-{state.iso3}"] = annex.positions[state.iso3]
            grid = VoteGridForm(data, members=members)
            voting = {s.iso3 for s in grid.members}
            cannot_vote = MemberState.objects.filter(
                iso3__in=set(annex.positions) - voting
            )
            not_listed = [s for s in grid.members if s.iso3 not in annex.positions]
    elif request.method == "POST":
        grid = VoteGridForm(request.POST, members=members)
        if grid.is_valid():
            try:
                report = services.record_votes(
                    ballot=ballot, positions=grid.changes(), by=request.user
                )
            except services.EntryRejected as exc:
                problems = exc.problems
            else:
                if grid.cleaned_data["version"] not in (None, ballot.version):
                    messages.warning(
                        request,
                        _(
                            "Someone else saved this ballot while you were entering; "
                            "only the rows you changed were applied over their work."
                        ),
                    )
                messages.success(
                    request,
                    _(
                        "Saved: %(created)s new, %(changed)s changed, %(removed)s "
                        "cleared. Tally %(tally)s (%(non_voting)s non-voting): "
                        "%(outcome)s."
                    )
                    % {
                        "created": report.created,
                        "changed": report.changed,
                        "removed": report.removed,
                        "tally": report.tally,
                        "non_voting": report.tally.non_voting,
                        "outcome": Outcome(report.outcome).label.lower(),
                    },
                )
                return redirect("campaign:vote_entry", pk=ballot.pk)
        else:
            problems = [_("Some rows hold something other than Y, N, A or X.")]

    entered = grid.entered()
    valid = [p for p in entered.values() if p in Tally.FIELDS_BY_POSITION.values()]
    return render(
        request,
        "campaign/staff/vote_entry.html",
        {
            "ballot": ballot,
            "series": ballot.document.series,
            "grid": grid,
            "annex_form": annex_form,
            "annex": annex,
            "cannot_vote": cannot_vote,
            "not_listed": not_listed,
            "problems": problems,
            "tally": Tally.from_positions(valid),
            "blank": len(entered) - len(valid),
            "permanent_members": PERMANENT_MEMBERS,
            "groups": RegionalGroup.choices,
            "reported": ballot.reported_tally,
        },
        status=400 if problems else 200,
    )
