"""Public pages cached whole: in each process's memory, and shared by record stamp."""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache as cache_function
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.signals import setting_changed
from django.db import connection, transaction
from django.db.models import Count, Max, OuterRef, Subquery, Sum
from django.dispatch import receiver
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language_from_request

from . import pages
from .models import (
    Ballot,
    Cosponsorship,
    Document,
    MemberState,
    RecordRevision,
    ResolutionSeries,
    Vote,
)
from .prepared import Prepared, statement_cursor
from .shell import anonymous_visitor

LOCAL_ENTRIES = 256
TIMEOUT = 60 * 60 * 24
GENERATION_KEY = "public:generation"
# A page held in memory is checked against the database stamp this often
# even when no writer announced a change (an edit from a shell, say).
RECHECK_SECONDS = 60

logger = logging.getLogger(__name__)


def _release() -> str:
    """Changes when the templates or styles change, so a release renders anew."""
    digest = hashlib.sha256()
    for folder in ("templates/campaign", "templates/base.html", "static/css"):
        root = settings.BASE_DIR / folder
        paths = [root] if root.is_file() else sorted(root.rglob("*"))
        for path in paths:
            if path.is_file():
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


RELEASE = _release()
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


def _ballot_series_query(pk):
    """Every ballot of the series of ballot ``pk``, with its document and
    series; each row also carries what the stamp needs beyond the ballots:
    the series' cosponsorships and ballot ``pk``'s number of votes (the same
    on every row: the database works them out once)."""
    # Unordered: the documents' default ordering would join the series to
    # sort the one row.
    series_id = Subquery(
        Document.objects.filter(ballots__pk=pk).order_by().values("series_id")[:1]
    )
    cosponsorships = Cosponsorship.objects.filter(document__series_id=series_id)
    history = Cosponsorship.history.filter(document__series_id=series_id)
    return (
        Ballot.objects.filter(document__series_id=series_id)
        .select_related("document__series")
        .order_by("date", "pk")
        .annotate(
            c_count=_aggregate(cosponsorships, "document__series_id", Count("pk")),
            c_withdrawn=_aggregate(
                cosponsorships, "document__series_id", Count("withdrawn_on")
            ),
            c_history=_aggregate(history, "document__series_id", Max("history_id")),
            n_votes=_aggregate(
                Vote.objects.filter(ballot_id=pk), "ballot_id", Count("pk")
            ),
            record_token=Subquery(
                RecordRevision.objects.filter(pk=1).values("token")[:1]
            ),
        )
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


# Building and compiling these queries with subqueries costs milliseconds of
# Python; the cached path of a page should cost one round trip and no more.
# The keys are values no real row has (see Prepared).
_ballot_series = Prepared(_ballot_series_query, -7_654_321)
_series_stamp = Prepared(_series_stamp_query, "--stamp-key--")


def _first(rows: list) -> tuple | None:
    return rows[0] if rows else None


@dataclass(frozen=True)
class BallotRecord:
    """A ballot, every ballot of its series (itself included, by date), the
    stamp of what its page, fragment and downloads show, and the record's
    token read with them (RecordRevision; None: unknown)."""

    stamp: tuple
    ballot: Ballot
    series_ballots: list[Ballot]
    token: int | None = None


# The records last read, by ballot: true for as long as the record's token is
# the one read with them. Shared by the threads, which only read them.
_records: OrderedDict[int, BallotRecord] = OrderedDict()
_records_lock = threading.Lock()


def _kept_record(pk: int) -> BallotRecord | None:
    with _records_lock:
        return _records.get(pk)


def _keep_record(pk: int, record: BallotRecord | None) -> None:
    with _records_lock:
        if record is None or record.token is None:
            _records.pop(pk, None)
            return
        _records[pk] = record
        _records.move_to_end(pk)
        while len(_records) > LOCAL_ENTRIES:
            _records.popitem(last=False)


def _record_token() -> int | None:
    with statement_cursor(connection) as cursor:
        cursor.execute(f"SELECT {pages.token_sql(RecordRevision)}")
        return cursor.fetchone()[0]


def ballot_record(pk) -> BallotRecord | None:
    """One query; None if there is no such ballot.

    While the record's token is the one read with the record kept for this
    ballot, that query only reads the token.

    The stamp changes with any edit of a ballot of the series (each bumps its
    version), a ballot added or removed, a cosponsor added, withdrawn or
    edited (the history), and a vote recorded or removed on this ballot.
    """
    pk = int(pk)
    kept = _kept_record(pk)
    if kept is not None and _record_token() == kept.token:
        return kept
    return _read_record(pk)


def _read_record(pk: int) -> BallotRecord | None:
    ballots = _ballot_series(pk)
    this = next((b for b in ballots if b.pk == pk), None)
    if this is None:
        _keep_record(pk, None)
        return None
    first = ballots[0]
    stamp = (
        this.version,
        sum(b.version for b in ballots),
        len(ballots),
        max(b.pk for b in ballots),
        first.c_count,
        first.c_withdrawn,
        first.c_history,
        first.n_votes,
    )
    record = BallotRecord(stamp, this, ballots, first.record_token)
    _keep_record(pk, record)
    return record


def ballot_record_or_404(pk) -> BallotRecord:
    record = ballot_record(pk)
    if record is None:
        raise Http404
    return record


def ballot_response(
    request, pk, *, name: str, render: Callable[[], HttpResponse], variant: str = ""
) -> HttpResponse:
    """``cached_response`` for a ballot's page or download, whose stamp is the
    ballot record's: read only when the response may be shared (``render``
    reads the record itself, see ``ballot_view``)."""
    if not cacheable(request):
        return render()
    return cached_response(
        request,
        name=name,
        stamp=ballot_record_or_404(pk).stamp,
        render=render,
        variant=variant,
    )


def ballot_view(
    pk, *, language: str, figures: bool = True
) -> tuple[BallotRecord, pages.BallotPage]:
    """A ballot's record and page (``pages.ballot_page``); 404 if there is no
    such ballot.

    One round trip while the record kept for the ballot is true: the page's
    statement reads the record's token with the votes, and the page stands if
    it is the token kept with the record. Otherwise the record is read anew
    and the page built again from it.
    """
    pk = int(pk)

    def page_of(record: BallotRecord) -> pages.BallotPage:
        return pages.ballot_page(
            record.ballot,
            language=language,
            figures=figures,
            series_ballots=record.series_ballots,
        )

    kept = _kept_record(pk)
    if kept is not None:
        page = page_of(kept)
        if page.record_token == kept.token:
            return kept, page
    record = _read_record(pk)
    if record is None:
        raise Http404
    return record, page_of(record)


def ballot_stamp(pk) -> tuple | None:
    """What a ballot page, its fragment and its downloads depend on."""
    record = ballot_record(pk)
    return record.stamp if record else None


def series_stamp(slug: str) -> tuple | None:
    return _first(_series_stamp(slug))


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
        and anonymous_visitor(request)
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
        try:
            entry = cache.get(key)
        except Exception:
            return None
        if entry is not None:
            _remember(key, entry)
    return entry


def record_changed() -> None:
    """Call inside a write to the public record: pages change once it commits.

    The record's *generation* is a random token in the cache; this replaces it
    after the commit, never before, so that no page rendered from the record
    before the change is kept under the new token. Tokens are never reused,
    and a page is stored under the token read before it was rendered; a lost
    token (eviction, a flushed cache) only starts a new generation.
    """
    transaction.on_commit(_new_generation)


def _token() -> int:
    # An int: Django's Redis backend stores it unpickled, readable in one GET.
    return secrets.randbits(62)


def _new_generation() -> None:
    try:
        cache.set(GENERATION_KEY, _token(), None)
    except Exception:
        # The pages re-check their stamp within RECHECK_SECONDS.
        logger.exception("Could not start a new generation of public pages.")


_readers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_cache_down = False


def _as_token(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _reader(backend) -> Callable[[], int | None]:
    """The cheapest read of the generation the cache backend allows.

    On Redis, a round trip per request would be most of what a page served
    from memory costs. Instead each thread keeps one connection on which Redis
    tracks the generation's key (CLIENT TRACKING in broadcast mode, RESP3):
    whenever any client writes the key, or the database is flushed, the server
    pushes an invalidation on that connection, as it answers the write. A read
    first takes in whatever was pushed, without waiting (a poll of the
    socket), and answers the value it last read unless something was; then it
    reads the key again, on the same connection, so that an invalidation
    pushed before the answer is taken in before it. A lost connection is
    dropped with what it had read: the next read starts afresh. Other
    backends are read each time.
    """
    read = _readers.get(backend)
    if read is None:
        if isinstance(backend, RedisCache):
            pool = backend._cache.get_client(write=False).connection_pool
            key = backend.make_and_validate_key(GENERATION_KEY)
            local = threading.local()

            def tracked():
                connection = pool.connection_class(
                    **{**pool.connection_kwargs, "protocol": 3}
                )
                connection.send_command(
                    "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", key
                )
                connection.read_response()
                return connection

            def read():
                connection = getattr(local, "connection", None)
                try:
                    if connection is None:
                        connection = local.connection = tracked()
                        local.value = None
                    # Only pushes arrive unasked: each says the key changed.
                    while connection.can_read():
                        connection.read_response(push_request=True)
                        local.value = None
                    if local.value is None:
                        connection.send_command("GET", key)
                        local.value = _as_token(connection.read_response())
                    return local.value
                except Exception:
                    # Never reuse a connection that may hold half a reply, nor
                    # trust what it read: pushes may have been lost with it.
                    local.connection = local.value = None
                    if connection is not None:
                        connection.disconnect()
                    raise
        else:

            def read():
                return _as_token(backend.get(GENERATION_KEY))

        _readers[backend] = read
    return read


def generation() -> int | None:
    """The record's current generation (on Redis, read again only once Redis
    says it changed: ``_reader``); None if the cache is down."""
    global _cache_down
    backend = caches["default"]
    try:
        token = _reader(backend)()
        if token is None:
            token = _token()
            # add(): a token a writer set meanwhile wins over this one.
            if not backend.add(GENERATION_KEY, token, None):
                found = _as_token(backend.get(GENERATION_KEY))
                if found is None:
                    backend.set(GENERATION_KEY, token, None)
                else:
                    token = found
    except Exception:
        if not _cache_down:
            logger.warning("Cache unavailable: public pages are rendered afresh.")
        _cache_down = True
        return None
    _cache_down = False
    return token


class _Generation:
    """Pages a process keeps while the record's generation is unchanged: the
    most recently kept last, at most ``entries`` of them, none older than
    RECHECK_SECONDS. Each page has a ``stored`` time."""

    def __init__(self, entries: int = LOCAL_ENTRIES):
        self.entries = entries
        self.pages: OrderedDict = OrderedDict()
        self.token: int | None = None
        self.lock = threading.Lock()

    def get(self, token: int, key):
        """The page kept under ``key``; a new ``token`` drops every page."""
        with self.lock:
            if token != self.token:
                self.pages.clear()
                self.token = token
            page = self.pages.get(key)
        if page is not None and time.monotonic() - page.stored < RECHECK_SECONDS:
            return page
        return None

    def keep(self, token: int, key, page) -> None:
        """Kept only under the token read before rendering, never a later one."""
        with self.lock:
            if token == self.token:
                self.pages[key] = page
                self.pages.move_to_end(key)
                while len(self.pages) > self.entries:
                    self.pages.popitem(last=False)


class _Page:
    __slots__ = ("status", "content", "headers", "etag", "stored")

    def __init__(self, response: HttpResponse):
        self.status = response.status_code
        self.content = response.content
        self.headers = dict(response.items())
        self.etag = response.get("ETag")
        self.stored = time.monotonic()

    def response(self, request) -> HttpResponse:
        if self.etag and request.META.get("HTTP_IF_NONE_MATCH") == self.etag:
            response = HttpResponseNotModified()
            for name in ("ETag", "Cache-Control", "Vary", "Content-Language"):
                if name in self.headers:
                    response[name] = self.headers[name]
            return response
        return HttpResponse(self.content, status=self.status, headers=self.headers)


class PublicPageMiddleware:
    """Answers anonymous GETs of public pages from memory while the record is unchanged.

    Placed right after WhiteNoise: a hit costs a look at the generation
    and none of the work of the middleware below it. What the views below mark
    as the same for every visitor (``cached_response``, which keys its shared
    copy by the record's stamp) is kept with all its headers, by language and
    full path, and dropped when the generation changes.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.pages = _Generation()

    def __call__(self, request):
        if request.method != "GET" or not cacheable(request):
            return self.get_response(request)
        front = request.environ.get(FRONT_TOKEN)
        token = front if front is not None else generation()
        if token is None:
            return self.get_response(request)
        key = (get_language_from_request(request), request.get_full_path())
        page = self.pages.get(token, key)
        response = page.response(request) if page else self.get_response(request)
        if page is None and not self._keeps(response):
            return response
        if front is not None:
            # FrontCache keeps it, with the headers of every layer.
            if response.status_code in (200, 204):
                request.environ[FRONT_KEEP] = token
        elif page is None:
            self.pages.keep(token, key, _Page(response))
        return response

    @staticmethod
    def _keeps(response) -> bool:
        return (
            getattr(response, "public_page", False)
            and response.status_code in (200, 204)
            and not response.streaming
            and not response.cookies
            and "nonce-" not in response.get("Content-Security-Policy", "")
        )


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
    key = f"public:{RELEASE}:{name}:{language}:{variant}:{fingerprint}"
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
            try:
                cache.set(key, entry, TIMEOUT)
            except Exception:
                logger.warning("Cache unavailable: a public page is not shared.")
            _remember(key, entry)
        content, content_type, headers = entry
        response = HttpResponse(content, content_type=content_type, headers=headers)
    response["ETag"] = etag
    response["Cache-Control"] = "public, no-cache"
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    response.public_page = True
    return response


# What FrontCache and PublicPageMiddleware tell each other through the WSGI
# environ (Django's request.environ is the same dict).
FRONT_TOKEN = "campaign.front.generation"
FRONT_KEEP = "campaign.front.keep"
# What the front keeps: pages, and the live fragment's "nothing new".
KEPT_STATUSES = {"200 ", "204 "}
# Conditional answers keep the stored headers but these.
NOT_KEPT = {"content-type", "content-length"}


class _Stored:
    __slots__ = ("status", "headers", "body", "etag", "stored")

    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes):
        self.status = status
        self.headers = headers
        self.body = body
        self.etag = next((v for k, v in headers if k.lower() == "etag"), None)
        self.stored = time.monotonic()


@cache_function
def _static_prefix() -> str:
    """The path under which WhiteNoise serves static files (settings.STATIC_URL
    may be a full address: its path)."""
    return urlsplit(settings.STATIC_URL or "/static/").path or "/static/"


@receiver(setting_changed)
def _forget_static_prefix(setting, **kwargs) -> None:
    if setting == "STATIC_URL":
        _static_prefix.cache_clear()


class FrontCache:
    """Public pages answered in front of Django while the record is unchanged.

    A WSGI layer around the site (campaign/wsgi.py), as Rack::Cache is for
    Rack: a GET with no cookie and no credentials, of a page the views below
    marked the same for every visitor (PublicPageMiddleware says so through
    the environ), is kept with its final status, headers and body and answered
    again without Django's request, middleware or response objects: a hit
    costs a look at the generation (as for PublicPageMiddleware) and the
    lookup. The key holds everything such a request could differ by: host,
    scheme (and the proxy's word on it), path, query and Accept-Language, so
    a page is only ever answered to a request Django answered it to; a new
    generation drops every page, and a page is re-rendered at the latest
    RECHECK_SECONDS after it was kept. Anything else (cookies, other methods,
    pages not marked) passes through untouched, and static files without even
    the generation's read.
    """

    def __init__(self, app, entries: int = LOCAL_ENTRIES):
        self.app = app
        self.pages = _Generation(entries)

    @staticmethod
    def _key(environ) -> tuple | None:
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or environ.get("HTTP_COOKIE")
            or "HTTP_AUTHORIZATION" in environ
            or not settings.PUBLIC_PAGE_CACHE
            # Never a page: not even a look at the generation.
            or environ.get("PATH_INFO", "").startswith(_static_prefix())
        ):
            return None
        return (
            environ.get("HTTP_HOST", ""),
            environ.get("wsgi.url_scheme", ""),
            environ.get("HTTP_X_FORWARDED_PROTO", ""),
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            environ.get("HTTP_ACCEPT_LANGUAGE", ""),
        )

    def __call__(self, environ, start_response):
        key = self._key(environ)
        if key is None:
            return self.app(environ, start_response)
        token = generation()
        if token is None:
            return self.app(environ, start_response)
        page = self.pages.get(token, key)
        if page is not None:
            return self._answer(page, environ, start_response)
        environ[FRONT_TOKEN] = token
        answer: list = []

        def starting(status, headers, exc_info=None):
            answer[:] = [status, headers]
            return start_response(status, headers, exc_info)

        result = self.app(environ, starting)
        if environ.get(FRONT_KEEP) != token or answer[0][:4] not in KEPT_STATUSES:
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        self.pages.keep(token, key, _Stored(answer[0], list(answer[1]), body))
        return [body]

    @staticmethod
    def _answer(page: _Stored, environ, start_response):
        if page.etag and environ.get("HTTP_IF_NONE_MATCH") == page.etag:
            start_response(
                "304 Not Modified",
                [(k, v) for k, v in page.headers if k.lower() not in NOT_KEPT],
            )
            return []
        start_response(page.status, page.headers)
        return [page.body]
