"""The visitors' lane: public pages answered without the staff middleware,
exactly as the full chain would answer them."""

import re

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.management import call_command
from django.test import Client

from campaign import lanes, pagecache
from campaign.models import Ballot, ResolutionSeries

pytestmark = pytest.mark.django_db

LANE = "campaign.lanes.VisitorLaneMiddleware"


@pytest.fixture
def demo():
    call_command("load_demo", verbosity=0)
    pagecache._local.clear()


def public_paths() -> list[str]:
    paths = []
    for pk in Ballot.objects.order_by("pk").values_list("pk", flat=True):
        page = f"/ballots/{pk}/"
        paths += [
            page,
            f"{page}?group=WEOG&position=Y",
            f"{page}?group=bad",
            f"{page}live/",
            f"{page}embed/",
            f"/ballots/{pk}.json",
            f"/ballots/{pk}.csv",
        ]
    for slug in ResolutionSeries.objects.values_list("slug", flat=True):
        paths += [f"/series/{slug}/", f"/series/{slug}/totals.csv"]
    return [
        *paths,
        "/",
        "/states/",
        "/states/PRK/",
        "/feed/",
        "/ballots/999999/",
        "/states/XXX/",
        "/nowhere/",
    ]


def answers(paths, language: str) -> dict[str, tuple]:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    out = {}
    for path in paths:
        response = client.get(path)
        body = b"".join(response) if response.streaming else response.content
        headers = re.sub(r"'nonce-[^']+'", "'nonce-'", repr(list(response.items())))
        out[path] = (response.status_code, headers, body)
    return out


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_lane_answers_what_the_full_chain_answers(demo, settings, language):
    """Every public page, download, fragment, feed and 404, byte for byte and
    header for header (with the page cache off, so that each is built)."""
    settings.PUBLIC_PAGE_CACHE = False
    paths = public_paths()
    in_lane = answers(paths, language)
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != LANE]
    full = answers(paths, language)
    assert {p: a[0] for p, a in in_lane.items()}["/ballots/999999/"] == 404
    for path in paths:
        assert in_lane[path] == full[path], path


@pytest.fixture
def sessions_opened(monkeypatch):
    """Requests that went through SessionMiddleware."""
    seen = []
    process_request = SessionMiddleware.process_request

    def spy(self, request):
        seen.append(request.path)
        return process_request(self, request)

    monkeypatch.setattr(SessionMiddleware, "process_request", spy)
    return seen


def test_a_visitor_reading_a_public_page_skips_the_staff_middleware(
    demo, sessions_opened
):
    ballot = Ballot.objects.filter(votes__isnull=False).first()
    client = Client()
    for path in (ballot.get_absolute_url(), f"/ballots/{ballot.pk}.json", "/"):
        assert client.get(path).status_code == 200
        assert client.head(path).status_code == 200
    assert sessions_opened == []


def test_everyone_else_takes_the_full_chain(demo, sessions_opened, admin_user):
    page = Ballot.objects.filter(votes__isnull=False).first().get_absolute_url()
    # Not a public page; not a page at all.
    Client().get("/staff/")
    Client().get("/nowhere/")
    # Not a read.
    Client().post("/i18n/setlang/", {"language": "fr", "next": page})
    # A cookie of a session, or of messages waiting.
    Client(HTTP_COOKIE="sessionid=abc").get(page)
    Client(HTTP_COOKIE="messages=abc").get(page)
    # Signed-in staff.
    staff = Client()
    staff.force_login(admin_user)
    assert staff.get(page).status_code == 200
    assert sessions_opened == [
        "/staff/",
        "/nowhere/",
        "/i18n/setlang/",
        page,
        page,
        page,
    ]


def test_the_lane_is_the_chain_below_it_without_the_staff_middleware(settings):
    assert lanes.lane_middleware() == [
        "campaign.headers.CSPMiddleware",
        "django.middleware.locale.LocaleMiddleware",
        "django.middleware.common.CommonMiddleware",
        "accounts.middleware.IdleSessionMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ]
    below = settings.MIDDLEWARE[settings.MIDDLEWARE.index(LANE) + 1 :]
    assert set(settings.STAFF_MIDDLEWARE) <= set(below)


def test_a_visitor_in_the_lane_is_anonymous_and_unverified():
    assert not lanes.VISITOR.is_authenticated
    assert not lanes.VISITOR.is_verified()
    assert lanes.VISITOR.otp_device is None
