"""Public pages answered in front of Django (campaign.pagecache.FrontCache),
driven the way gunicorn drives the site: as a WSGI application."""

import pytest
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory

from campaign import pagecache, services
from campaign.models import MemberState, Vote

from .factories import BallotFactory, UserFactory

pytestmark = pytest.mark.django_db


class Counting:
    """Django's WSGI application, counting the requests that reach it."""

    def __init__(self):
        self.app = WSGIHandler()
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.app(environ, start_response)


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """As Django's test client does: the test's transaction outlives requests."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def site():
    cache.clear()
    pagecache._local.clear()
    django = Counting()
    return pagecache.FrontCache(django), django


@pytest.fixture
def ballot():
    ballot = BallotFactory()
    states = MemberState.objects.in_bulk(["FRA", "DEU", "CUB"], field_name="iso3")
    Vote.objects.bulk_create(
        Vote(ballot=ballot, state=states[iso3], position=p)
        for iso3, p in {"FRA": "Y", "DEU": "Y", "CUB": "N"}.items()
    )
    return ballot


def get(app, path, method="GET", **headers):
    """(status, headers as a dict, body) of one request through ``app``."""
    environ = RequestFactory().generic(method, path, headers=headers).environ
    environ["SERVER_NAME"], environ["HTTP_HOST"] = "testserver", "testserver"
    environ.update({k: v for k, v in headers.items() if k.startswith("HTTP_")})
    started = []

    def start_response(status, response_headers, exc_info=None):
        started[:] = [status, dict(response_headers)]

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return started[0], started[1], body


def test_a_repeat_visit_never_reaches_django_and_keeps_every_header(site, ballot):
    app, django = site
    url = ballot.get_absolute_url()
    status, headers, body = get(app, url)
    assert status.startswith("200") and django.calls == 1
    again = get(app, url)
    assert django.calls == 1
    assert again == (status, headers, body)
    # The headers of every layer, the security middleware's included.
    assert again[1]["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in again[1]["Content-Security-Policy"]
    assert "Set-Cookie" not in again[1]
    assert b"2 yes, 1 no" in again[2]


def test_the_next_request_after_a_change_shows_it(
    site, ballot, django_capture_on_commit_callbacks
):
    app, django = site
    url = ballot.get_absolute_url()
    get(app, url)
    get(app, url)
    assert django.calls == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.record_votes(
            ballot=ballot, positions={"CHN": "N"}, by=UserFactory(is_staff=True)
        )
    status, _, body = get(app, url)
    assert django.calls == 2
    assert b"2 yes, 2 no" in body


def test_live_polls_are_answered_in_front_until_a_change(
    site, django_capture_on_commit_callbacks
):
    import datetime

    from campaign.views.public import fingerprint

    app, django = site
    ballot = BallotFactory(date=datetime.date.today(), outcome="pending")
    france = MemberState.objects.get(iso3="FRA")
    Vote.objects.create(ballot=ballot, state=france, position="Y")
    version = fingerprint(pagecache.ballot_stamp(ballot.pk))
    url = f"/ballots/{ballot.pk}/live/?v={version}&p={version}"
    for _ in range(3):
        assert get(app, url)[0].startswith("204")
    assert django.calls == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.record_votes(ballot=ballot, positions={"CUB": "N"}, by=None)
    status, _, body = get(app, url)
    assert status.startswith("200") and b"1 yes, 1 no" in body
    assert django.calls == 2


def test_a_page_rendered_while_the_record_changed_is_not_kept(site, ballot):
    app, django = site
    url = ballot.get_absolute_url()
    real = django.app

    def changing(environ, start_response):
        result = real(environ, start_response)
        pagecache._new_generation()  # a writer committed meanwhile
        return result

    django.app = changing
    get(app, url)
    django.app = real
    get(app, url)
    assert django.calls == 2
    get(app, url)
    assert django.calls == 2


def test_each_variant_of_a_request_is_rendered_by_django_once(site, ballot):
    app, django = site
    url = ballot.get_absolute_url()
    variants = [
        {},
        {"HTTP_ACCEPT_LANGUAGE": "fr"},
        {"HTTP_ACCEPT_LANGUAGE": "es"},
        {"HTTP_X_FORWARDED_PROTO": "https"},
    ]
    pages = [get(app, url, **v)[2] for v in variants]
    assert django.calls == 4
    assert b'lang="fr"' in pages[1] and b'lang="es"' in pages[2]
    assert [get(app, url, **v)[2] for v in variants] == pages
    assert django.calls == 4
    # Another query string is another page.
    get(app, url + "?group=AFR")
    assert django.calls == 5


@pytest.mark.parametrize(
    "method,headers",
    [
        ("GET", {"HTTP_COOKIE": "django_language=fr"}),
        ("GET", {"HTTP_AUTHORIZATION": "Bearer x"}),
        ("HEAD", {}),
    ],
)
def test_requests_with_cookies_credentials_or_other_methods_go_to_django(
    site, ballot, method, headers
):
    app, django = site
    url = ballot.get_absolute_url()
    get(app, url)
    before = django.calls
    get(app, url, method=method, **headers)
    get(app, url, method=method, **headers)
    assert django.calls == before + 2


def test_pages_not_marked_public_and_static_files_pass_through(
    site, ballot, monkeypatch
):
    app, django = site
    reads = []
    real = pagecache.generation
    monkeypatch.setattr(pagecache, "generation", lambda: reads.append(1) or real())
    for _ in range(2):
        status, headers, _ = get(app, "/accounts/login/")
        assert status.startswith("200")
    assert django.calls == 2
    # A static file's response goes back as Django made it: the server may
    # send it from the file.
    assert len(reads) == 2
    environ = RequestFactory().get("/static/css/site.css").environ
    result = app(environ, lambda status, headers, exc_info=None: None)
    # Static files are never pages: not even the generation is read for them.
    assert len(reads) == 2
    try:
        assert not isinstance(result, list)
        assert hasattr(result, "file_to_stream") or hasattr(result, "streaming")
    finally:
        result.close()


def test_a_known_etag_gets_not_modified_from_the_front(site, ballot):
    app, django = site
    url = ballot.get_absolute_url()
    _, headers, _ = get(app, url)
    get(app, url)
    status, answer, body = get(app, url, HTTP_IF_NONE_MATCH=headers["ETag"])
    assert status.startswith("304") and body == b""
    assert answer["ETag"] == headers["ETag"]
    assert "Content-Type" not in answer
    assert django.calls == 1


def test_with_the_page_cache_off_every_request_reaches_django(site, ballot, settings):
    settings.PUBLIC_PAGE_CACHE = False
    app, django = site
    for _ in range(3):
        get(app, ballot.get_absolute_url())
    assert django.calls == 3


def test_with_the_cache_down_pages_are_rendered_afresh(site, ballot, monkeypatch):
    app, django = site
    monkeypatch.setattr(pagecache, "generation", lambda: None)
    for _ in range(2):
        assert get(app, ballot.get_absolute_url())[0].startswith("200")
    assert django.calls == 2


def test_the_site_gunicorn_serves_has_the_front():
    from campaign.wsgi import application

    assert isinstance(application, pagecache.FrontCache)
