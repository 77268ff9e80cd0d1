"""A ballot page keeps what it read of the ballot's series for as long as the
record's token (kept by the database's triggers) says it is still true."""

import pytest
from django.db import connection, transaction

from campaign import pagecache
from campaign.models import (
    Ballot,
    Cosponsorship,
    Document,
    MemberState,
    RecordRevision,
    ResolutionSeries,
    Vote,
)

from .factories import BallotFactory

pytestmark = pytest.mark.django_db


def token():
    return RecordRevision.objects.values_list("token", flat=True).first()


def record(ballot, positions):
    states = MemberState.objects.in_bulk(list(positions), field_name="iso3")
    Vote.objects.bulk_create(
        Vote(ballot=ballot, state=states[iso3], position=p)
        for iso3, p in positions.items()
    )


def raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def uncached(settings):
    settings.PUBLIC_PAGE_CACHE = False


def test_every_write_to_the_record_gives_a_new_token_however_it_is_made():
    ballot = BallotFactory()
    seen = [token()]
    assert seen[0] is not None
    record(ballot, {"FRA": "Y", "CUB": "N"})
    seen.append(token())
    Vote.objects.filter(ballot=ballot, state__iso3="CUB").update(position="A")
    seen.append(token())
    raw(
        f"UPDATE {Ballot._meta.db_table} SET reported_yes = %s WHERE id = %s",
        [111, ballot.pk],
    )
    seen.append(token())
    Document.objects.filter(pk=ballot.document_id).update(title="Edited")
    seen.append(token())
    ResolutionSeries.objects.filter(pk=ballot.document.series_id).update(
        title="Edited series"
    )
    seen.append(token())
    cosponsorship = Cosponsorship.objects.create(
        document=ballot.document,
        state=MemberState.objects.get(iso3="JPN"),
        since=ballot.date,
    )
    seen.append(token())
    cosponsorship.delete()
    seen.append(token())
    Vote.objects.filter(ballot=ballot).delete()
    seen.append(token())
    assert len(set(seen)) == len(seen), seen


def test_writes_to_the_registry_alone_leave_the_record_token():
    BallotFactory()
    before = token()
    MemberState.objects.filter(iso3="FRA").update(name="France (edited)")
    assert token() == before


def test_an_uncached_page_costs_one_query_while_its_record_is_true(
    client, uncached, django_assert_num_queries
):
    ballot = BallotFactory()
    record(ballot, {"FRA": "Y", "CUB": "N"})
    url = ballot.get_absolute_url()
    assert client.get(url).status_code == 200
    for path in (url, f"/ballots/{ballot.pk}.json", f"/ballots/{ballot.pk}.csv"):
        with django_assert_num_queries(1):
            assert client.get(path).status_code == 200


def test_a_change_behind_the_orms_back_shows_on_the_next_page(client, uncached):
    ballot = BallotFactory()
    record(ballot, {"FRA": "Y", "CUB": "N"})
    url = ballot.get_absolute_url()
    assert "Oral amendment" not in client.get(url).content.decode()
    # No version bumped, no signal sent: only the trigger knows.
    raw(
        f"UPDATE {Ballot._meta.db_table} SET subject = %s WHERE id = %s",
        ["Oral amendment to paragraph 8", ballot.pk],
    )
    assert "Oral amendment to paragraph 8" in client.get(url).content.decode()
    body = client.get(f"/ballots/{ballot.pk}.json").json()
    assert body["subject"] == "Oral amendment to paragraph 8"


def test_a_ballot_added_to_the_series_is_shown_beside_at_once(client, uncached):
    ballot = BallotFactory(question="draft")
    record(ballot, {"FRA": "Y", "CUB": "N"})
    url = ballot.get_absolute_url()
    assert "amendment" not in client.get(url).content.decode().lower()
    amendment = BallotFactory(
        document=ballot.document, question="amendment", date=ballot.date
    )
    record(amendment, {"FRA": "N", "CUB": "Y"})
    page = pagecache.ballot_view(ballot.pk, language="en")[1]
    assert [b.pk for b in page.beside] == [amendment.pk, ballot.pk]
    assert {r.state.iso3: r.beside for r in page.rows} == {
        "FRA": ("N",),
        "CUB": ("Y",),
    }


def test_a_ballot_deleted_behind_the_orms_back_is_gone(client, uncached):
    ballot = BallotFactory()
    record(ballot, {"FRA": "Y"})
    url = ballot.get_absolute_url()
    assert client.get(url).status_code == 200
    raw(f"DELETE FROM {Vote._meta.db_table} WHERE ballot_id = %s", [ballot.pk])
    raw(f"DELETE FROM {Ballot._meta.db_table} WHERE id = %s", [ballot.pk])
    assert client.get(url).status_code == 404
    assert client.get(f"/ballots/{ballot.pk}.json").status_code == 404


def test_a_rolled_back_change_leaves_token_and_page_as_they_were(client, uncached):
    ballot = BallotFactory()
    record(ballot, {"FRA": "Y"})
    url = ballot.get_absolute_url()
    subject = ballot.subject
    before = token()
    assert subject in client.get(url).content.decode()
    with pytest.raises(RuntimeError), transaction.atomic():
        Ballot.objects.filter(pk=ballot.pk).update(subject="Neverland")
        assert "Neverland" in client.get(url).content.decode()
        raise RuntimeError("undo")
    assert token() == before
    page = client.get(url).content.decode()
    assert subject in page and "Neverland" not in page


def test_without_a_token_nothing_is_kept(client, uncached, django_assert_num_queries):
    ballot = BallotFactory()
    record(ballot, {"FRA": "Y"})
    url = ballot.get_absolute_url()
    RecordRevision.objects.all().delete()  # as a flush may leave it
    for _ in range(2):
        # The series, then the page.
        with django_assert_num_queries(2):
            assert client.get(url).status_code == 200
    assert ballot.pk not in pagecache._records
    # The next write to the record starts a token again.
    Ballot.objects.filter(pk=ballot.pk).update(subject="Retitled")
    assert token() is not None
    assert "Retitled" in client.get(url).content.decode()
    with django_assert_num_queries(1):
        assert "Retitled" in client.get(url).content.decode()


def test_the_stamp_of_a_kept_record_moves_with_a_raw_vote(client):
    ballot = BallotFactory()
    record(ballot, {"FRA": "Y"})
    first = pagecache.ballot_stamp(ballot.pk)
    assert pagecache.ballot_stamp(ballot.pk) == first
    raw(
        f"INSERT INTO {Vote._meta.db_table} (ballot_id, state_id, position, note) "
        "VALUES (%s, %s, %s, %s)",
        [ballot.pk, MemberState.objects.get(iso3="CUB").pk, "N", ""],
    )
    assert pagecache.ballot_stamp(ballot.pk) != first
    assert "1 yes, 1 no" in client.get(ballot.get_absolute_url()).content.decode()
