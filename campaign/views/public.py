"""Public pages: the home page and the record as visitors read it."""

import datetime
import hashlib
from functools import lru_cache

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language

from campaign import ballot_html, markup, pagecache, pages, shell
from campaign.forms import StateFilterForm
from campaign.lanes import visitor_page
from campaign.models import Ballot, MemberState, Outcome, ResolutionSeries
from campaign.names import sort_key

# Polling stops once a ballot is this many days old and decided.
LIVE_DAYS = 1
POLL_SECONDS = 3


@visitor_page
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


@visitor_page
def series_detail(request, slug):
    def page():
        series = get_object_or_404(ResolutionSeries, slug=slug)
        return render(
            request,
            "campaign/series_detail.html",
            {"series": series, **pages.series_page(series)},
        )

    return pagecache.cached_response(
        request, name=f"series:{slug}", stamp=pagecache.series_stamp(slug), render=page
    )


def _ballot(pk) -> Ballot:
    return get_object_or_404(Ballot.objects.select_related("document__series"), pk=pk)


@lru_cache(maxsize=256)
def fingerprint(stamp: tuple) -> str:
    """A short token for a ballot's state, carried by the live fragment's URL."""
    return hashlib.sha256(repr(stamp).encode()).hexdigest()[:12]


def is_live(ballot: Ballot) -> bool:
    recent = datetime.date.today() - datetime.timedelta(days=LIVE_DAYS)
    return ballot.is_recorded and (
        ballot.outcome == Outcome.PENDING or ballot.date >= recent
    )


@visitor_page
def ballot_detail(request, pk):
    # Without filters the form is the same blank one for everyone (None).
    form = StateFilterForm(request.GET) if request.GET else None
    if form is not None and not form.is_valid():
        # Bad filters: say so and show every state; such pages are not cached.
        return _render_ballot(request, pk, form, {})
    filters = form.cleaned_data if form is not None else {}
    return pagecache.ballot_response(
        request,
        pk,
        name=f"ballot:{pk}",
        variant=f"{filters.get('group', '')}:{filters.get('position', '')}",
        render=lambda: _render_ballot(request, pk, form, filters),
    )


def _render_ballot(request, pk, form, filters):
    with markup.page_language():
        return _write_ballot(request, pk, form, filters)


def _write_ballot(request, pk, form, filters):
    record, page = pagecache.ballot_view(pk, language=get_language())
    ballot = record.ballot
    version = fingerprint(record.stamp)
    group, position = filters.get("group"), filters.get("position")
    rows = page.rows
    if group or position:
        rows = [
            r
            for r in rows
            if (not group or r.state.regional_group == group)
            and (not position or r.position == position)
        ]
    series = ballot.document.series
    live = is_live(ballot)
    return shell.render_slots(
        request,
        "campaign/ballot_detail.html",
        {
            "title": ballot_html.title(ballot),
            "head": ballot_html.head(
                ballot=ballot,
                series=series,
                summary=page.summary,
                live=live,
                site_url=settings.SITE_URL,
            ),
            "content": ballot_html.content(
                ballot=ballot,
                series=series,
                page=page,
                rows=rows,
                form=form,
                filtered=bool(group or position),
                live=live,
                version=version,
                poll_seconds=POLL_SECONDS,
                site_url=settings.SITE_URL,
            ),
            "scripts": ballot_html.scripts(live=live),
        },
    )


@visitor_page
def ballot_live(request, pk):
    """The live part of a ballot page, polled on vote day.

    204 (htmx leaves the page alone) while the version the visitor sees is
    current; the new fragment as soon as it is not.
    """
    stamp = pagecache.ballot_stamp(pk)
    current = fingerprint(stamp) if stamp else ""
    if stamp and request.GET.get("v") == current:
        response = HttpResponse(status=204)
        # The same answer for every visitor while the record is unchanged.
        response.public_page = pagecache.cacheable(request)
        return response
    # The page under the fragment (map, list) shows an earlier count.
    behind = request.GET.get("p", current) != current

    def fragment():
        ballot = _ballot(pk)
        return HttpResponse(
            ballot_html.summary_html(
                ballot=ballot,
                summary=pages.live_summary(ballot),
                live=is_live(ballot),
                shown=current,
                # Once behind, always behind until the visitor reloads.
                version="behind" if behind else current,
                poll_seconds=POLL_SECONDS,
                behind=behind,
            )
        )

    return pagecache.cached_response(
        request,
        name=f"ballot-live:{pk}",
        stamp=stamp,
        variant="behind" if behind else "",
        render=fragment,
    )


@visitor_page
def state_list(request):
    language = get_language()
    # By group, then by name as the page's language spells it.
    states = sorted(
        MemberState.objects.all(),
        key=lambda state: (
            state.regional_group,
            sort_key(state.localised_name(language)),
        ),
    )
    return render(request, "campaign/state_list.html", {"states": states})


@visitor_page
def state_detail(request, iso3):
    def page():
        state = get_object_or_404(
            MemberState.objects.prefetch_related("blocs"), iso3=iso3.upper()
        )
        return render(
            request,
            "campaign/state_detail.html",
            {
                "state": state,
                "name": state.localised_name(get_language()),
                **pages.state_page(state),
            },
        )

    return pagecache.cached_response(
        request,
        name=f"state:{iso3.upper()}",
        stamp=pagecache.state_stamp(iso3),
        render=page,
    )
