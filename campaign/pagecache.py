"""Whole-response cache for public pages, keyed by a stamp of the record they show.

A stamp is read in one query (ballot versions, which every writer bumps, and
counts that move when rows are added or withdrawn); a change gives a new key,
so a page is never served stale and nothing needs deleting. Content under a
key never changes, so each process also keeps the latest responses in memory.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.db.models import Count, Max, OuterRef, Subquery, Sum
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers

from .models import Ballot, Cosponsorship, MemberState, ResolutionSeries, Vote

LOCAL_ENTRIES = 256
TIMEOUT = 60 * 60 * 24


def _generation() -> str:
    """Changes when the templates or styles change, so a release renders anew."""
    digest = hashlib.sha256()
    for folder in ("templates/campaign", "templates/base.html", "static/css"):
        root = settings.BASE_DIR / folder
        paths = [root] if root.is_file() else sorted(root.rglob("*"))
        for path in paths:
            if path.is_file():
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


GENERATION = _generation()
_local: OrderedDict[str, tuple[bytes, str, dict]] = OrderedDict()
_lock = threading.Lock()


def _aggregate(queryset, group_by: str, expression) -> Subquery:
    return Subquery(
        queryset.order_by()
        .values(group_by)
        .annotate(value=expression)
        .values("value")[:1]
    )


def _series_columns(series_ref: str) -> dict:
    ballots = Ballot.objects.filter(document__series_id=OuterRef(series_ref))
    cosponsorships = Cosponsorship.objects.filter(
        document__series_id=OuterRef(series_ref)
    )
    history = Cosponsorship.history.filter(document__series_id=OuterRef(series_ref))
    return {
        "s_versions": _aggregate(ballots, "document__series_id", Sum("version")),
        "s_ballots": _aggregate(ballots, "document__series_id", Count("pk")),
        "s_last": _aggregate(ballots, "document__series_id", Max("pk")),
        "c_count": _aggregate(cosponsorships, "document__series_id", Count("pk")),
        "c_withdrawn": _aggregate(
            cosponsorships, "document__series_id", Count("withdrawn_on")
        ),
        "c_history": _aggregate(history, "document__series_id", Max("history_id")),
    }


def _compiled(
    build: Callable[[object], object], sentinel: object
) -> Callable[[object], tuple | None]:
    """Run the one-row query ``build(key)`` as SQL compiled once per process.

    Building and compiling a query with subqueries costs milliseconds of
    Python; the cached path of a page should cost one round trip and no more.
    """
    sql: dict[str, str] = {}

    def run(key) -> tuple | None:
        alias = "default"
        if alias not in sql:
            text, params = build(sentinel).query.sql_with_params()
            if list(params) != [sentinel]:
                raise RuntimeError("A stamp query must take exactly its key.")
            sql[alias] = text
        with connections[alias].cursor() as cursor:
            cursor.execute(sql[alias], [key])
            return cursor.fetchone()

    return run


def _ballot_stamp_query(pk):
    columns = _series_columns("document__series_id")
    columns["n_votes"] = _aggregate(
        Vote.objects.filter(ballot_id=OuterRef("pk")), "ballot_id", Count("pk")
    )
    return (
        Ballot.objects.filter(pk=pk)
        .annotate(**columns)
        .values_list("version", *columns)
    )


def _series_stamp_query(slug):
    columns = _series_columns("pk")
    columns["n_votes"] = _aggregate(
        Vote.objects.filter(ballot__document__series_id=OuterRef("pk")),
        "ballot__document__series_id",
        Count("pk"),
    )
    return (
        ResolutionSeries.objects.filter(slug=slug)
        .annotate(**columns)
        .values_list("pk", "title", "is_fictional", *columns)
    )


# Keys no real row has, to find the key's place among the compiled parameters.
_ballot_stamp = _compiled(_ballot_stamp_query, -7_654_321)
_series_stamp = _compiled(_series_stamp_query, "--stamp-key--")


def ballot_stamp(pk: int) -> tuple | None:
    """What a ballot page, its fragment and its downloads depend on."""
    return _ballot_stamp(int(pk))


def series_stamp(slug: str) -> tuple | None:
    return _series_stamp(slug)


def state_stamp(iso3: str) -> tuple | None:
    votes = Vote.objects.filter(state_id=OuterRef("pk"))
    cosponsorships = Cosponsorship.objects.filter(state_id=OuterRef("pk"))
    columns = {
        "n_votes": _aggregate(votes, "state_id", Count("pk")),
        "versions": _aggregate(votes, "state_id", Sum("ballot__version")),
        "c_count": _aggregate(cosponsorships, "state_id", Count("pk")),
        "c_withdrawn": _aggregate(cosponsorships, "state_id", Count("withdrawn_on")),
        "c_history": _aggregate(
            Cosponsorship.history.filter(state_id=OuterRef("pk")),
            "state_id",
            Max("history_id"),
        ),
    }
    return (
        MemberState.objects.filter(iso3=iso3.upper())
        .annotate(**columns)
        .values_list("pk", *columns)
        .first()
    )


def cacheable(request) -> bool:
    """Anonymous GETs without a session or messages: the same page for everyone."""
    return (
        settings.PUBLIC_PAGE_CACHE
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def _remember(key: str, entry: tuple[bytes, str, dict]) -> None:
    with _lock:
        _local[key] = entry
        _local.move_to_end(key)
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)


def _recall(key: str) -> tuple[bytes, str, dict] | None:
    with _lock:
        entry = _local.get(key)
    if entry is None:
        entry = cache.get(key)
        if entry is not None:
            _remember(key, entry)
    return entry


def cached_response(
    request,
    *,
    name: str,
    stamp: tuple | None,
    render: Callable[[], HttpResponse],
    variant: str = "",
) -> HttpResponse:
    """The response ``render`` gives, from the cache while ``stamp`` is unchanged.

    ``stamp`` None means the object does not exist: 404.
    """
    if stamp is None:
        raise Http404
    if not cacheable(request):
        return render()
    fingerprint = hashlib.sha256(repr(stamp).encode()).hexdigest()[:20]
    language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    key = f"public:{GENERATION}:{name}:{language}:{variant}:{fingerprint}"
    etag = f'"{hashlib.sha256(key.encode()).hexdigest()[:24]}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        entry = _recall(key)
        if entry is None:
            rendered = render()
            if rendered.status_code != 200:
                return rendered
            entry = (
                rendered.content,
                rendered["Content-Type"],
                {h: rendered[h] for h in ("Content-Disposition",) if h in rendered},
            )
            cache.set(key, entry, TIMEOUT)
            _remember(key, entry)
        content, content_type, headers = entry
        response = HttpResponse(content, content_type=content_type, headers=headers)
    response["ETag"] = etag
    response["Cache-Control"] = "public, no-cache"
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response
