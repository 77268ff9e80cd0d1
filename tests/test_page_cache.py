import datetime

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.db.models import F
from django.test import Client, RequestFactory

from campaign import pagecache, services
from campaign.models import Ballot, Cosponsorship, MemberState, Vote

from .factories import BallotFactory, DocumentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    pagecache._local.clear()


def record(ballot, positions):
    states = MemberState.objects.in_bulk(list(positions), field_name="iso3")
    Vote.objects.bulk_create(
        Vote(ballot=ballot, state=states[iso3], position=p)
        for iso3, p in positions.items()
    )


@pytest.fixture
def ballot():
    ballot = BallotFactory()
    record(ballot, {"FRA": "Y", "DEU": "Y", "CUB": "N"})
    return ballot


def test_repeat_visit_is_answered_before_any_query_with_the_security_headers(
    client, ballot, django_assert_num_queries
):
    first = client.get(ballot.get_absolute_url())
    with django_assert_num_queries(0):
        again = client.get(ballot.get_absolute_url())
    assert again.status_code == 200
    assert again.content == first.content
    assert "default-src 'self'" in again["Content-Security-Policy"]
    assert again["X-Content-Type-Options"] == "nosniff"
    assert again["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert again["X-Frame-Options"] == "DENY"
    assert again["ETag"] == first["ETag"]
    assert "Accept-Language" in again["Vary"]
    # Nothing below the page cache ran: no CSRF or session cookie is set.
    assert not again.cookies


def test_repeat_visit_with_the_etag_gets_not_modified_without_a_query(
    client, ballot, django_assert_num_queries
):
    first = client.get(ballot.get_absolute_url())
    with django_assert_num_queries(0):
        again = client.get(ballot.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]


def test_json_is_served_from_memory_too(client, ballot, django_assert_num_queries):
    first = client.get(f"/ballots/{ballot.pk}.json")
    with django_assert_num_queries(0):
        again = client.get(f"/ballots/{ballot.pk}.json")
    assert again.json() == first.json()
    assert again["Content-Type"] == "application/json"


def test_staff_write_shows_at_once_once_committed(
    client, ballot, django_capture_on_commit_callbacks
):
    url = ballot.get_absolute_url()
    assert "2 yes, 1 no" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.record_votes(ballot=ballot, positions={"CUB": "Y"}, by=None)
    # Until the write commits, visitors still see the record as it was.
    assert "2 yes, 1 no" in client.get(url).content.decode()
    for callback in callbacks:
        callback()
    assert "3 yes, 0 no" in client.get(url).content.decode()


def test_every_process_sees_a_write_made_in_another(
    ballot, django_capture_on_commit_callbacks
):
    # Two clients, two middleware instances: two worker processes' memories.
    visitor, other_process = Client(), Client()
    url = ballot.get_absolute_url()
    assert "2 yes, 1 no" in visitor.get(url).content.decode()
    assert "2 yes, 1 no" in other_process.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.record_votes(ballot=ballot, positions={"CUB": "A"}, by=None)
    assert "2 yes, 0 no, 1 abstentions" in visitor.get(url).content.decode()
    assert "2 yes, 0 no, 1 abstentions" in other_process.get(url).content.decode()


def test_a_lost_generation_starts_a_new_one_and_never_serves_the_old_page(
    client, ballot
):
    url = ballot.get_absolute_url()
    assert "2 yes, 1 no" in client.get(url).content.decode()
    # A write that announced nothing, then the cache loses the generation.
    Vote.objects.filter(ballot=ballot, state__iso3="CUB").update(position="Y")
    Ballot.objects.filter(pk=ballot.pk).update(version=F("version") + 1)
    cache.delete(pagecache.GENERATION_KEY)
    assert "3 yes, 0 no" in client.get(url).content.decode()


def test_a_silent_write_is_seen_once_the_memory_copy_is_rechecked(
    client, ballot, monkeypatch
):
    url = ballot.get_absolute_url()
    client.get(url)
    Vote.objects.filter(ballot=ballot, state__iso3="CUB").update(position="Y")
    Ballot.objects.filter(pk=ballot.pk).update(version=F("version") + 1)
    monkeypatch.setattr(pagecache, "RECHECK_SECONDS", 0)
    assert "3 yes, 0 no" in client.get(url).content.decode()


def test_each_language_has_its_own_copy(client, ballot):
    url = ballot.get_absolute_url()
    assert "Alemania" in client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert "Germany" in english.content.decode()
    assert english["Content-Language"] == "en"
    client.cookies["django_language"] = "fr"
    french = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert french["Content-Language"] == "fr"
    assert "Allemagne" in french.content.decode()


def test_filtered_views_are_kept_apart(client, ballot):
    url = ballot.get_absolute_url()
    client.get(url)
    cuba_only = client.get(url, {"position": "N"}).content.decode()
    assert "Cuba" in cuba_only and "France" not in cuba_only.split("states-table")[1]


def test_live_poll_is_answered_from_memory_until_a_change(
    client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    ballot = BallotFactory(date=datetime.date.today(), outcome="pending")
    record(ballot, {"FRA": "Y", "CUB": "N"})
    stamp = pagecache.ballot_stamp(ballot.pk)
    from campaign.views.public import fingerprint

    url = f"/ballots/{ballot.pk}/live/?v={fingerprint(stamp)}&p={fingerprint(stamp)}"
    assert client.get(url).status_code == 204
    with django_assert_num_queries(0):
        assert client.get(url).status_code == 204
    with django_capture_on_commit_callbacks(execute=True):
        services.record_votes(ballot=ballot, positions={"DEU": "Y"}, by=None)
    fragment = client.get(url)
    assert fragment.status_code == 200
    assert "2 yes, 1 no" in fragment.content.decode()


def test_visitors_with_a_session_skip_the_memory_copy(
    client, ballot, django_assert_max_num_queries
):
    client.get(ballot.get_absolute_url())
    client.cookies["sessionid"] = "not-a-real-session"
    with django_assert_max_num_queries(10) as queries:
        client.get(ballot.get_absolute_url())
    assert len(queries) >= 1


def test_pages_are_rendered_when_the_cache_is_unreachable(client, ballot, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    assert pagecache.generation() is None
    response = Client().get(ballot.get_absolute_url())
    assert response.status_code == 200
    assert "2 yes, 1 no" in response.content.decode()


@pytest.mark.parametrize(
    "write",
    [
        "record_votes",
        "adopt_without_vote",
        "add_cosponsors",
        "withdraw_cosponsor",
        "refresh_ballot_outcome",
    ],
)
def test_every_writer_of_the_record_starts_a_new_generation(
    write, django_capture_on_commit_callbacks
):
    document = DocumentFactory()
    ballot = BallotFactory(document=document, is_recorded=True)
    user = UserFactory()
    if write == "refresh_ballot_outcome":
        record(ballot, {"FRA": "Y"})
    if write == "withdraw_cosponsor":
        services.add_cosponsors(
            document=document,
            names_or_states=["France"],
            since=datetime.date(2014, 10, 1),
            source="un",
            by=user,
        )
    before = pagecache.generation()
    with django_capture_on_commit_callbacks(execute=True):
        if write == "record_votes":
            services.record_votes(ballot=ballot, positions={"FRA": "Y"}, by=user)
        elif write == "adopt_without_vote":
            services.adopt_without_vote(ballot=ballot, by=user)
        elif write == "add_cosponsors":
            services.add_cosponsors(
                document=document,
                names_or_states=["Germany"],
                since=datetime.date(2014, 10, 1),
                source="un",
                by=user,
            )
        elif write == "withdraw_cosponsor":
            services.withdraw_cosponsor(
                cosponsorship=Cosponsorship.objects.get(document=document),
                on=datetime.date(2014, 11, 1),
                by=user,
            )
        else:
            assert services.refresh_ballot_outcome(ballot_id=ballot.pk) == "adopted"
    assert pagecache.generation() != before


def test_vote_import_starts_a_new_generation_only_when_it_changes_something(
    django_capture_on_commit_callbacks,
):
    from campaign.vote_import import import_votes

    from .test_import_votes import FOUR, undl

    data = undl(("9000901", "A/RES/69/901", FOUR))
    before = pagecache.generation()
    with django_capture_on_commit_callbacks(execute=True):
        import_votes(data=data)
    after = pagecache.generation()
    assert after != before
    with django_capture_on_commit_callbacks(execute=True):
        import_votes(data=data)
    assert pagecache.generation() == after


def test_admin_edits_of_the_record_start_a_new_generation(
    ballot, admin_user, django_capture_on_commit_callbacks
):
    request = RequestFactory().post("/admin/")
    request.user = admin_user
    vote = Vote.objects.get(ballot=ballot, state__iso3="CUB")
    vote.position = "A"
    before = pagecache.generation()
    with django_capture_on_commit_callbacks(execute=True):
        admin.site._registry[Vote].save_model(request, vote, form=None, change=True)
    assert pagecache.generation() != before


def test_real_redis_holds_one_generation_every_process_reads(
    ballot, redis_url, settings, django_capture_on_commit_callbacks
):
    import redis

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "test-generation",
        }
    }
    cache.delete(pagecache.GENERATION_KEY)
    visitor, other_process = Client(), Client()
    url = ballot.get_absolute_url()
    assert "2 yes, 1 no" in visitor.get(url).content.decode()
    assert "2 yes, 1 no" in other_process.get(url).content.decode()
    connection = redis.Redis.from_url(redis_url)
    key = f"test-generation:1:{pagecache.GENERATION_KEY}"
    first = int(connection.get(key))
    with django_capture_on_commit_callbacks(execute=True):
        services.record_votes(ballot=ballot, positions={"CUB": "Y"}, by=None)
    assert int(connection.get(key)) != first
    assert "3 yes, 0 no" in visitor.get(url).content.decode()
    assert "3 yes, 0 no" in other_process.get(url).content.decode()
    # Redis flushed or the key evicted: a new generation, never the old page.
    Vote.objects.filter(ballot=ballot, state__iso3="FRA").update(position="N")
    Ballot.objects.filter(pk=ballot.pk).update(version=F("version") + 1)
    connection.delete(key)
    assert "2 yes, 1 no" in visitor.get(url).content.decode()
    connection.delete(*connection.keys("test-generation:*"))


def test_the_generation_is_tracked_not_read_again_until_redis_says_it_changed(
    redis_url, settings
):
    """One GET, then none while Redis pushes no invalidation; a write by any
    client is seen by the very next read, a deleted key starts a new
    generation, and a lost tracking connection loses nothing."""
    import redis

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "test-tracking",
        }
    }
    connection = redis.Redis.from_url(redis_url)
    key = f"test-tracking:1:{pagecache.GENERATION_KEY}"

    def gets() -> int:
        return connection.info("commandstats").get("cmdstat_get", {}).get("calls", 0)

    try:
        connection.set(key, 11)
        assert pagecache.generation() == 11
        before = gets()
        assert [pagecache.generation() for _ in range(50)] == [11] * 50
        assert gets() == before
        # Another process's writer.
        connection.set(key, 12)
        assert pagecache.generation() == 12
        assert gets() == before + 1
        # Evicted or flushed: a new generation, never the old one.
        connection.delete(key)
        fresh = pagecache.generation()
        assert fresh not in (None, 11, 12)
        assert int(connection.get(key)) == fresh
        # The tracking connection dropped (Redis restarted, say): the next
        # reads reconnect, and a write made meanwhile is not missed.
        for client in connection.client_list():
            if "B" in client["flags"]:
                connection.client_kill_filter(_id=client["id"])
        connection.set(key, 13)
        assert [pagecache.generation() for _ in range(2)][-1] == 13
        connection.set(key, 14)
        assert pagecache.generation() == 14
    finally:
        connection.delete(key)


def test_without_redis_the_generation_is_read_from_the_cache_backend(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    first = pagecache.generation()
    assert isinstance(first, int)
    assert pagecache.generation() == first
    pagecache._new_generation()
    assert pagecache.generation() not in (None, first)
