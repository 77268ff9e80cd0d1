"""The campaign dashboard: ballots ahead, cosponsors, the forecast and stances."""

import datetime

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from accounts.policy import can, load, requires
from campaign import services
from campaign.forms import StanceFilterForm, StanceForm
from campaign.models import (
    Ballot,
    Body,
    Campaign,
    Document,
    MemberState,
    Outcome,
    Participation,
    Stance,
    Vote,
)
from campaign.tallies import PERMANENT_MEMBERS, Forecast

TREND_WIDTH, TREND_HEIGHT = 200, 40
_STANCE_ORDER = {value: i for i, value in enumerate(Stance.Position.values)}
_YES = {Stance.Position.COMMITTED_YES, Stance.Position.LEANING_YES}
_NO = {Stance.Position.NO, Stance.Position.LEANING_NO}


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


_CAMPAIGN = load(Campaign.objects.select_related("series", "lead"), slug="slug")


@requires("staff.view")
def dashboard_index(request):
    return render(
        request,
        "campaign/staff/dashboard_index.html",
        {"campaigns": Campaign.objects.joined_by(request.user)},
    )


def _coalition(campaign):
    organisations = list(
        Organisation.objects.filter(
            participations__campaign=campaign,
            participations__status=Participation.Status.ACCEPTED,
        )
    )
    people = list(
        User.objects.filter(
            memberships__organisation__in=organisations, memberships__is_active=True
        )
        .distinct()
        .order_by("first_name", "email")
    )
    return organisations, people


def _trend(timeline, today: datetime.date) -> dict:
    """Polyline points of the cosponsor count over time, and the change in 7 days."""
    if not timeline:
        return {"points": "", "count": 0, "week": 0}
    start = timeline[0].date
    span = max((today - start).days, 1)
    peak = max(max(e.count for e in timeline), 1)
    points, count = [], 0
    for event in timeline:
        x = (event.date - start).days * TREND_WIDTH / span
        points.append(f"{x:.1f},{TREND_HEIGHT - count * TREND_HEIGHT / peak:.1f}")
        count = event.count
        points.append(f"{x:.1f},{TREND_HEIGHT - count * TREND_HEIGHT / peak:.1f}")
    points.append(f"{TREND_WIDTH},{TREND_HEIGHT - count * TREND_HEIGHT / peak:.1f}")
    week_ago = today - datetime.timedelta(days=7)
    before = [e.count for e in timeline if e.date <= week_ago]
    return {
        "points": " ".join(points),
        "count": count,
        "week": count - (before[-1] if before else 0),
    }


def _bar(
    counts: dict[str, int], total: int
) -> list[tuple[str, float, float, str, int]]:
    """Segments of the forecast bar: (stance, x, width, label, count), in percent."""
    segments, x = [], 0.0
    for value, label in Stance.Position.choices:
        width = 100 * counts[value] / total if total else 0
        segments.append((value, x, width, label, counts[value]))
        x += width
    return segments


@requires("campaign.view", load=_CAMPAIGN)
def dashboard(request, campaign):
    today = timezone.localdate()
    ballots = list(
        Ballot.objects.filter(
            document__series=campaign.series, document__session=campaign.session
        )
        .select_related("document")
        .order_by("date", "pk")
    )
    upcoming = [(b, (b.date - today).days) for b in ballots if b.date >= today]
    pending = [b for b, _ in upcoming if b.outcome == Outcome.PENDING]
    body = (pending or ballots or [None])[0]
    body = body.body if body else Body.PLENARY

    members = list(MemberState.objects.members_on(today))
    stances = {
        s.state_id: s
        for s in campaign.stances.select_related("owner", "owner_organisation")
    }
    counts = dict.fromkeys(Stance.Position.values, 0)
    for state in members:
        stance = stances.get(state.pk)
        counts[stance.position if stance else Stance.Position.UNDECIDED] += 1
    no_read = sum(1 for s in members if s.pk not in stances)
    forecast = Forecast.from_counts(
        body,
        counts,
        permanent_against=tuple(
            s.iso3
            for s in members
            if s.iso3 in PERMANENT_MEMBERS
            and s.pk in stances
            and stances[s.pk].position in _NO
        ),
    )
    deciding = sorted(
        (
            (state, stances.get(state.pk))
            for state in members
            if state.pk not in stances or stances[state.pk].position in Stance.DECIDING
        ),
        key=lambda pair: (
            _STANCE_ORDER[pair[1].position if pair[1] else Stance.Position.UNDECIDED],
            pair[0].name,
        ),
    )

    recorded = [b for b in ballots if b.is_recorded]
    votes = {}
    for vote in Vote.objects.filter(ballot__in=recorded).select_related("state"):
        votes.setdefault(vote.ballot_id, []).append(vote)
    against_actual = []
    for ballot in recorded:
        if ballot.pk not in votes:
            continue
        surprises = [
            (v.state, stances[v.state_id], v)
            for v in votes[ballot.pk]
            if v.state_id in stances
            and (
                (stances[v.state_id].position in _YES and v.position != "Y")
                or (stances[v.state_id].position in _NO and v.position == "Y")
            )
        ]
        against_actual.append(
            (ballot, Vote.objects.for_ballot(ballot).tally(), surprises)
        )

    documents = Document.objects.filter(
        series=campaign.series,
        session=campaign.session,
        kind__in=[Document.Kind.DRAFT, Document.Kind.REVISION],
    )
    cosponsors = [
        (document, _trend(document.cosponsorships.timeline(), today))
        for document in documents
    ]

    organisations, _ = _coalition(campaign)
    filters = StanceFilterForm(request.GET or None, organisations=organisations)
    rows = [(state, stances.get(state.pk)) for state in members]
    if filters.is_valid():
        rows = _filtered(rows, filters.cleaned_data)

    return render(
        request,
        "campaign/staff/dashboard.html",
        {
            "campaign": campaign,
            "ballots": ballots,
            "upcoming": upcoming,
            "participations": campaign.participations.select_related("organisation"),
            "today": today,
            "forecast": forecast,
            "forecast_body": Body(body).label,
            "bar": _bar(counts, len(members)),
            "counts": counts,
            "no_read": no_read,
            "members": len(members),
            "deciding": deciding,
            "against_actual": against_actual,
            "cosponsors": cosponsors,
            "filters": filters,
            "rows": rows,
            "can_edit": can(request.user, "stances.edit", campaign),
            "trend_size": (TREND_WIDTH, TREND_HEIGHT),
        },
    )


def _filtered(rows, wanted: dict):
    none = StanceFilterForm.NONE
    query = wanted["q"].casefold()
    result = []
    for state, stance in rows:
        position = stance.position if stance else none
        owner = (
            str(stance.owner_organisation_id)
            if stance and stance.owner_organisation_id
            else none
        )
        if wanted["position"] and wanted["position"] != position:
            continue
        if wanted["group"] and wanted["group"] != state.regional_group:
            continue
        if wanted["owner"] and wanted["owner"] != owner:
            continue
        if (
            query
            and query not in state.name.casefold()
            and query != state.iso3.casefold()
        ):
            continue
        result.append((state, stance))
    return result


@requires("stances.edit", load=_CAMPAIGN)
def stance_edit(request, campaign, iso3):
    state = get_object_or_404(MemberState.objects.members(), iso3=iso3.upper())
    stance = Stance.objects.filter(campaign=campaign, state=state).first()
    initial = (
        {
            "position": stance.position,
            "owner_organisation": stance.owner_organisation_id,
            "owner": stance.owner_id,
            "notes": stance.notes,
        }
        if stance
        else {"position": Stance.Position.UNDECIDED}
    )
    form = StanceForm(request.POST or None, campaign=campaign, initial=initial)
    problems: list[str] = []
    saved = False
    if request.method == "POST" and form.is_valid():
        try:
            stance = services.set_stance(
                campaign=campaign, state=state, by=request.user, **form.cleaned_data
            )
        except services.EntryRejected as exc:
            problems = exc.problems
        else:
            saved = True
            if not _is_htmx(request):
                messages.success(
                    request, _("Stance on %(state)s saved.") % {"state": state.name}
                )
                return redirect(
                    reverse("campaign:dashboard", args=[campaign.slug])
                    + f"#stance-{state.iso3}"
                )
    elif request.method == "POST":
        problems = [
            f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()
        ]
    if _is_htmx(request):
        # Quick edit in the dashboard's table: the row, editable until saved.
        organisations, people = _coalition(campaign)
        return render(
            request,
            "campaign/staff/includes/_stance_row.html",
            {
                "campaign": campaign,
                "state": state,
                "stance": stance,
                "organisations": organisations,
                "people": people,
                "positions": Stance.Position.choices,
                "can_edit": True,
                "editing": not saved,
                "problems": problems,
                "saved": saved,
            },
        )
    return render(
        request,
        "campaign/staff/stance_form.html",
        {
            "campaign": campaign,
            "state": state,
            "stance": stance,
            "form": form,
            "problems": problems,
        },
        status=400 if problems else 200,
    )
