"""Open data: CSV and JSON of ballots and series, and the embeddable tally card."""

import io

from csp.decorators import csp_replace
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.utils.translation import get_language
from django.views.decorators.clickjacking import xframe_options_exempt

from campaign import pagecache, pages
from campaign.exports import write_rows
from campaign.lanes import visitor_page
from campaign.models import Ballot, Position, ResolutionSeries

from .public import _ballot, is_live


def _csv(filename: str, header, rows) -> HttpResponse:
    out = io.StringIO()
    write_rows(out, header, rows)
    return HttpResponse(
        out.getvalue().encode("utf-8"),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _slug(ballot: Ballot) -> str:
    return f"ballot-{ballot.pk}-{ballot.date.isoformat()}"


@visitor_page
def ballot_csv(request, pk):
    @translation.override("en")
    def download():
        record, page = pagecache.ballot_view(pk, language="en", figures=False)
        ballot = record.ballot
        others = [b for b in page.beside if b.pk != ballot.pk]
        header = [
            "iso3",
            "state",
            "regional_group",
            "position",
            "note",
            "previous_position",
            *[f"position_on_ballot_{b.pk}" for b in others],
        ]
        rows = (
            [
                r.state.iso3,
                r.state.name,
                r.state.regional_group,
                Position(r.position).label,
                r.note,
                Position(r.before).label if r.before else "",
                *[Position(p).label if p else "" for p in r.beside],
            ]
            for r in page.rows
        )
        return _csv(f"{_slug(ballot)}.csv", header, rows)

    return pagecache.ballot_response(
        request, pk, name=f"ballot-csv:{pk}", render=download
    )


def ballot_document(ballot: Ballot, page: "pages.BallotPage") -> dict:
    """A ballot as JSON: totals, by group, positions, changes and dissents."""
    summary = page.summary
    return {
        "id": ballot.pk,
        "url": ballot.get_absolute_url(),
        "series": ballot.document.series.slug,
        "fictional": ballot.document.series.is_fictional,
        "document": ballot.document.symbol,
        "body": ballot.body,
        "date": ballot.date.isoformat(),
        "question": ballot.question,
        "subject": ballot.subject,
        "outcome": ballot.outcome,
        "version": ballot.version,
        "totals": summary.tally.as_dict() if summary.has_record else None,
        "reported_totals": summary.reported,
        "differences": {k: list(v) for k, v in summary.differences.items()},
        "by_group": {
            g.code: {**g.tally.as_dict(), "majority": g.majority}
            for g in summary.groups
        },
        "positions": [
            {
                "iso3": r.state.iso3,
                "state": r.state.name,
                "regional_group": r.state.regional_group,
                "position": r.position,
                "previous_position": r.before,
            }
            for r in page.rows
        ],
        "previous_ballot": page.previous.pk if page.previous else None,
        "changed_since_previous": [
            {"iso3": r.state.iso3, "before": r.before, "after": r.position}
            for r in page.changes
        ],
        "against_group_majority": [
            {
                "iso3": r.state.iso3,
                "regional_group": r.state.regional_group,
                "position": r.position,
                "group_majority": r.group_majority,
            }
            for r in page.dissents
        ],
    }


@visitor_page
def ballot_json(request, pk):
    @translation.override("en")
    def document():
        record, page = pagecache.ballot_view(pk, language="en", figures=False)
        return JsonResponse(ballot_document(record.ballot, page))

    return pagecache.ballot_response(
        request, pk, name=f"ballot-json:{pk}", render=document
    )


@visitor_page
def series_csv(request, slug):
    def download():
        series = get_object_or_404(ResolutionSeries, slug=slug)
        rows = pages.series_page(series)["rows"]
        header = [
            "ballot_id",
            "date",
            "session",
            "body",
            "document",
            "question",
            "subject",
            "outcome",
            "source_of_totals",
            "yes",
            "no",
            "abstain",
            "non_voting",
        ]
        return _csv(
            f"series-{series.slug}.csv",
            header,
            (
                [
                    r.ballot.pk,
                    r.ballot.date.isoformat(),
                    r.ballot.document.session,
                    r.ballot.body,
                    r.ballot.document.symbol,
                    r.ballot.question,
                    r.ballot.subject,
                    r.ballot.outcome,
                    ("record" if r.from_record else "reported") if r.tally else "",
                    *(
                        [r.tally.yes, r.tally.no, r.tally.abstain, r.tally.non_voting]
                        if r.tally
                        else ["", "", "", ""]
                    ),
                ]
                for r in rows
            ),
        )

    return pagecache.cached_response(
        request,
        name=f"series-csv:{slug}",
        stamp=pagecache.series_stamp(slug),
        render=download,
    )


@visitor_page
@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
def ballot_embed(request, pk):
    """The tally card other sites may frame; the only route that allows it."""

    def card():
        ballot = _ballot(pk)
        return render(
            request,
            "campaign/ballot_embed.html",
            {
                "ballot": ballot,
                "series": ballot.document.series,
                "summary": pages.live_summary(ballot),
                "live": is_live(ballot),
                "language": get_language(),
            },
        )

    return pagecache.cached_response(
        request,
        name=f"ballot-embed:{pk}",
        stamp=pagecache.ballot_stamp(pk),
        render=card,
    )
