"""The public, read-only JSON API of the UN record, described at /api/openapi.json."""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Literal

from django.db.models import Count, Q
from ninja import Field, NinjaAPI, Path, Query, Schema
from ninja.errors import HttpError

from .changes import against_group_majority, since_previous
from .models import (
    Ballot,
    Cosponsorship,
    Document,
    MemberState,
    RegionalGroup,
    ResolutionSeries,
    Vote,
)
from .tallies import Tally

api = NinjaAPI(
    title="UN Vote Campaigns: the UN record",
    version="1",
    description=(
        "Read-only and public: member states, recorded votes (ballots) with "
        "their tallies per regional group, and cosponsors. Errors answer with "
        '`{"detail": reason}` and a 4xx status.'
    ),
    docs_url=None,
    urls_namespace="api",
)

MAX_ID = 2**63 - 1
MAX_LIMIT = 500
# A UN document symbol: slash-separated parts such as A/C.3/69/L.28/Rev.1,
# A/RES/ES-10/21 or A/RES/1514(XV).
SYMBOL = re.compile(r"[A-Z][A-Za-z0-9.()\-]*(?:/[A-Za-z0-9.()\-]+)+")
SLUG = re.compile(r"[-a-zA-Z0-9_]+")
VOTE_WORDS = {position: word for word, position in Tally.FIELDS_BY_POSITION.items()}


class ErrorOut(Schema):
    detail: str


class StateOut(Schema):
    iso3: str
    name: str
    regional_group: str | None
    member_since: datetime.date | None
    observer: bool


class TallyOut(Schema):
    yes: int
    no: int
    abstain: int
    non_voting: int


class ReportedTallyOut(Schema):
    yes: int | None
    no: int | None
    abstain: int | None
    non_voting: int | None


class BallotOut(Schema):
    id: int
    url: str
    body: str
    date: datetime.date
    document: str
    question: str
    subject: str
    outcome: str
    tally: TallyOut
    reported_tally: ReportedTallyOut | None
    by_group: dict[str, TallyOut]


class BallotPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[BallotOut]


class VoteOut(Schema):
    iso3: str
    vote: Literal["yes", "no", "abstain", "non_voting"]


Word = Literal["yes", "no", "abstain", "non_voting"]


class ChangeOut(Schema):
    iso3: str
    before: Word
    after: Word


class DissentOut(Schema):
    iso3: str
    vote: Word
    group_majority: Word


class BallotDetailOut(BallotOut):
    votes: list[VoteOut]
    previous_ballot: int | None = Field(
        None, description="The previous ballot of the same series, body and question."
    )
    changed_since_previous: list[ChangeOut]
    against_group_majority: list[DissentOut]


class CosponsorOut(Schema):
    iso3: str
    name: str
    document: str
    role: str
    since: datetime.date
    source: str
    source_ref: str
    withdrawn_on: datetime.date | None


class CosponsorTimelineOut(Schema):
    symbol: str
    documents: list[str]
    cosponsors: list[CosponsorOut]


def _symbol(value: str, *, what: str, must_contain: str) -> str:
    value = value.strip()
    if len(value) > 60 or not SYMBOL.fullmatch(value) or must_contain not in value:
        raise HttpError(
            400,
            f"{value[:60]!r} is not a {what} symbol "
            f"(such as {'A/RES/69/188' if what == 'resolution' else 'A/C.3/69/L.28'})",
        )
    return value


def _document(symbol: str) -> Document:
    document = Document.objects.filter(symbol=symbol).first()
    if document is None:
        raise HttpError(404, f"No document has the symbol {symbol}.")
    return document


def _family(document: Document) -> list[int]:
    """The documents on the road to (or from) this one: the first draft, its
    revisions and amendments, and the resolution adopted. One query per level."""
    root, seen = document, {document.pk}
    while root.parent_id and root.parent_id not in seen:
        seen.add(root.parent_id)
        root = Document.objects.only("pk", "parent_id").get(pk=root.parent_id)
    family, level = {root.pk}, [root.pk]
    while level:
        level = list(
            Document.objects.filter(parent_id__in=level)
            .exclude(pk__in=family)
            .values_list("pk", flat=True)
        )
        family.update(level)
    return sorted(family)


def _counts(prefix: str = "") -> dict[str, Count]:
    return {
        field: Count(f"{prefix}pk", filter=Q(**{f"{prefix}position": position}))
        for field, position in Tally.FIELDS_BY_POSITION.items()
    }


def _tallies(ballot_ids: list[int]) -> dict[int, dict[str, Tally]]:
    """Each ballot's tally per regional group, for all ballots in one query."""
    result: dict[int, dict[str, Tally]] = {
        pk: {group: Tally() for group in RegionalGroup.values} for pk in ballot_ids
    }
    rows = (
        Vote.objects.filter(ballot_id__in=ballot_ids)
        .order_by()
        .values("ballot_id", "state__regional_group")
        .annotate(**_counts())
    )
    for row in rows:
        ballot_id = row.pop("ballot_id")
        group = row.pop("state__regional_group") or "none"
        result[ballot_id][group] = Tally(**row)
    return result


def _ballot_out(request, ballot: Ballot, groups: dict[str, Tally]) -> dict:
    total = Tally(
        **{
            field: sum(getattr(t, field) for t in groups.values())
            for field in Tally.FIELDS_BY_POSITION
        }
    )
    return {
        "id": ballot.pk,
        "url": request.build_absolute_uri(ballot.get_absolute_url()),
        "body": ballot.body,
        "date": ballot.date,
        "document": ballot.document.symbol,
        "question": ballot.question,
        "subject": ballot.subject,
        "outcome": ballot.outcome,
        "tally": total.as_dict(),
        "reported_tally": ballot.reported_tally,
        "by_group": {
            group: tally.as_dict()
            for group, tally in groups.items()
            if group in RegionalGroup.values
        },
    }


@api.get("/states", response=list[StateOut], summary="Member and observer states")
def states(request):
    """Every UN member state and observer state, with its regional group and the
    date it joined."""
    return [
        {
            "iso3": state.iso3,
            "name": state.name,
            "regional_group": state.regional_group or None,
            "member_since": state.member_since,
            "observer": state.is_observer,
        }
        for state in MemberState.objects.order_by("name")
    ]


@api.get(
    "/ballots",
    response={200: BallotPage, 400: ErrorOut, 404: ErrorOut},
    summary="Recorded votes",
)
def ballots(
    request,
    resolution: Annotated[
        str | None,
        Query(
            None,
            description="A resolution symbol such as A/RES/69/188: the plenary "
            "vote and the committee's votes on its draft and amendments.",
        ),
    ] = None,
    draft: Annotated[
        str | None,
        Query(
            None,
            description="A draft or amendment symbol such as A/C.3/69/L.28: the "
            "votes on it, its revisions and amendments, and the resolution.",
        ),
    ] = None,
    series: Annotated[
        str | None, Query(None, description="A resolution series' slug.")
    ] = None,
    limit: Annotated[int, Query(100, ge=1, le=MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(0, ge=0, le=MAX_ID)] = 0,
):
    """Ballots, newest first, each with its tally, the totals the UN reported,
    and the tally per regional group."""
    queryset = Ballot.objects.select_related("document").order_by("-date", "pk")
    if resolution is not None:
        symbol = _symbol(resolution, what="resolution", must_contain="/RES/")
        queryset = queryset.filter(document_id__in=_family(_document(symbol)))
    if draft is not None:
        symbol = _symbol(draft, what="draft", must_contain="/L.")
        queryset = queryset.filter(document_id__in=_family(_document(symbol)))
    if series is not None:
        if len(series) > 100 or not SLUG.fullmatch(series):
            raise HttpError(400, f"{series[:100]!r} is not a series slug")
        found = ResolutionSeries.objects.filter(slug=series).first()
        if found is None:
            raise HttpError(404, f"No resolution series has the slug {series}.")
        queryset = queryset.filter(document__series=found)
    page = list(queryset[offset : offset + limit])
    tallies = _tallies([ballot.pk for ballot in page])
    return {
        "count": queryset.count(),
        "limit": limit,
        "offset": offset,
        "items": [_ballot_out(request, b, tallies[b.pk]) for b in page],
    }


@api.get(
    "/ballots/{ballot_id}",
    response={200: BallotDetailOut, 404: ErrorOut},
    summary="One recorded vote, state by state",
)
def ballot(request, ballot_id: Annotated[int, Path(ge=1, le=MAX_ID)]):
    """A ballot as in the list, with every recorded position."""
    found = Ballot.objects.select_related("document").filter(pk=ballot_id).first()
    if found is None:
        raise HttpError(404, f"No ballot has the id {ballot_id}.")
    out = _ballot_out(request, found, _tallies([found.pk])[found.pk])
    out["votes"] = [
        {"iso3": iso3, "vote": VOTE_WORDS[position]}
        for iso3, position in Vote.objects.filter(ballot=found)
        .order_by("state__iso3")
        .values_list("state__iso3", "position")
    ]
    previous, changes = since_previous(found)
    out["previous_ballot"] = previous.pk if previous else None
    out["changed_since_previous"] = [
        {
            "iso3": c.state.iso3,
            "before": VOTE_WORDS[c.before],
            "after": VOTE_WORDS[c.after],
        }
        for c in changes
    ]
    out["against_group_majority"] = [
        {
            "iso3": d.state.iso3,
            "vote": VOTE_WORDS[d.position],
            "group_majority": VOTE_WORDS[d.group_majority],
        }
        for d in against_group_majority(found)
    ]
    return out


@api.get(
    "/resolutions/{path:symbol}/cosponsors",
    response={200: CosponsorTimelineOut, 400: ErrorOut, 404: ErrorOut},
    summary="Cosponsors of a resolution, in the order they joined",
)
def cosponsors(request, symbol: str):
    """The states that sponsored or cosponsored the resolution's draft and its
    revisions, in the order they joined; withdrawn ones say when. Give the
    resolution's symbol, or the draft's before it is adopted."""
    symbol = _symbol(symbol, what="resolution or draft", must_contain="/")
    family = _family(_document(symbol))
    documents = list(
        Document.objects.filter(
            pk__in=family,
            kind__in=[
                Document.Kind.DRAFT,
                Document.Kind.REVISION,
                Document.Kind.RESOLUTION,
            ],
        )
        .order_by("date", "symbol")
        .values_list("pk", "symbol")
    )
    rows = (
        Cosponsorship.objects.filter(document_id__in=[pk for pk, _ in documents])
        .select_related("state", "document")
        .order_by("since", "state__name", "pk")
    )
    return {
        "symbol": symbol,
        "documents": [s for _, s in documents],
        "cosponsors": [
            {
                "iso3": row.state.iso3,
                "name": row.state.name,
                "document": row.document.symbol,
                "role": row.role,
                "since": row.since,
                "source": row.source,
                "source_ref": row.source_ref,
                "withdrawn_on": row.withdrawn_on,
            }
            for row in rows
        ],
    }
