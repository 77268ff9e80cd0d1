"""How a ballot page reads the record: the registry token kept true by the
database's triggers, and statements PostgreSQL plans once per connection."""

import pytest
from django.db import connection, transaction

from campaign import pages
from campaign.models import MemberState, RegistryRevision, Vote
from campaign.prepared import statement_cursor

from .factories import BallotFactory

pytestmark = pytest.mark.django_db


def token():
    return RegistryRevision.objects.values_list("token", flat=True).first()


def record(ballot, positions):
    states = MemberState.objects.in_bulk(list(positions), field_name="iso3")
    Vote.objects.bulk_create(
        Vote(ballot=ballot, state=states[iso3], position=p, note=note)
        for iso3, (p, note) in positions.items()
    )


@pytest.fixture
def builds(monkeypatch):
    """How many times a page built its table of states from the registry."""
    pages._state_tables.clear()
    calls = []
    real = pages._state_table

    def counting(rows):
        calls.append(len(rows))
        return real(rows)

    monkeypatch.setattr(pages, "_state_table", counting)
    return calls


@pytest.fixture
def uncached(settings):
    settings.PUBLIC_PAGE_CACHE = False


def test_every_write_to_the_registry_gives_a_new_token_however_it_is_made():
    seen = [token()]
    assert seen[0] is not None
    france = MemberState.objects.get(iso3="FRA")
    france.name = "France (edited)"
    france.save()
    seen.append(token())
    MemberState.objects.filter(iso3="DEU").update(regional_group="EEG")
    seen.append(token())
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {MemberState._meta.db_table} SET name = %s WHERE iso3 = %s",
            ["Kingdom of Spain", "ESP"],
        )
    seen.append(token())
    added = MemberState.objects.create(iso3="XKX", iso2="XK", name="Testland")
    seen.append(token())
    added.delete()
    seen.append(token())
    assert len(set(seen)) == len(seen), seen


def test_writes_elsewhere_in_the_record_leave_the_token_alone():
    before = token()
    record(BallotFactory(), {"FRA": ("Y", ""), "CUB": ("N", "")})
    Vote.objects.filter(state__iso3="FRA").update(position="A")
    assert token() == before


def test_a_page_builds_its_states_once_while_the_token_is_unchanged(
    client, uncached, builds
):
    ballot = BallotFactory()
    record(ballot, {"DEU": ("Y", ""), "FRA": ("N", "")})
    url = ballot.get_absolute_url()
    for _ in range(3):
        assert "Germany" in client.get(url).content.decode()
    assert len(builds) == 1 and builds[0] >= 193
    # Spanish is a table of its own.
    assert "Alemania" in client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert len(builds) == 2
    # Renamed by raw SQL, behind the ORM's back: the next page has the name.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {MemberState._meta.db_table} SET name = %s WHERE iso3 = %s",
            ["Federal Republic of Germany", "DEU"],
        )
    assert "Federal Republic of Germany" in client.get(url).content.decode()
    assert len(builds) == 3


def test_a_rolled_back_rename_leaves_token_and_page_as_they_were(
    client, uncached, builds
):
    ballot = BallotFactory()
    record(ballot, {"DEU": ("Y", "")})
    url = ballot.get_absolute_url()
    before = token()
    assert "Germany" in client.get(url).content.decode()
    with pytest.raises(RuntimeError), transaction.atomic():
        MemberState.objects.filter(iso3="DEU").update(name="Neverland")
        assert "Neverland" in client.get(url).content.decode()
        raise RuntimeError("undo")
    assert token() == before
    page = client.get(url).content.decode()
    assert "Germany" in page and "Neverland" not in page


def test_without_a_token_every_page_reads_the_registry(client, uncached, builds):
    ballot = BallotFactory()
    record(ballot, {"DEU": ("Y", "")})
    url = ballot.get_absolute_url()
    RegistryRevision.objects.all().delete()  # as a flush leaves it
    for _ in range(2):
        assert "Germany" in client.get(url).content.decode()
    assert len(builds) == 2
    # The next write to the registry starts a token again.
    MemberState.objects.filter(iso3="DEU").update(name="Deutschland")
    assert token() is not None
    assert "Deutschland" in client.get(url).content.decode()
    assert "Deutschland" in client.get(url).content.decode()
    assert len(builds) == 3


def test_positions_and_notes_of_every_ballot_of_the_meeting_reach_the_page(
    client, uncached
):
    ballot = BallotFactory()
    record(
        ballot,
        {
            "FRA": ("Y", ""),
            "CUB": ("N", "Explained its vote, see A/C.3/69/SR.34"),
            "CHN": ("A", ""),
            "TUV": ("X", ""),
        },
    )
    page = pages.ballot_page(ballot, language="en")
    got = {row.state.iso3: (row.position, row.note) for row in page.rows}
    assert got == {
        "FRA": ("Y", ""),
        "CUB": ("N", "Explained its vote, see A/C.3/69/SR.34"),
        "CHN": ("A", ""),
        "TUV": ("X", ""),
    }
    assert (page.tally.yes, page.tally.no, page.tally.abstain) == (1, 1, 1)


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (set DATABASE_URL=postgres://...)",
)


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@postgresql_only
def test_postgresql_plans_the_pages_statements_once_per_connection(
    client, uncached, settings
):
    ballot = BallotFactory()
    record(ballot, {"DEU": ("Y", ""), "FRA": ("N", "")})
    before = set(prepared_statements())
    client.get(ballot.get_absolute_url())
    added = set(prepared_statements()) - before
    # The series' ballots with the stamp, and the page's one statement.
    assert len(added) >= 2, added
    assert any("campaign_registryrevision" in sql for sql in added)
    # Again: the same statements, nothing prepared anew.
    client.get(ballot.get_absolute_url())
    assert set(prepared_statements()) - before == added


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_with_prepared_statements_off_nothing_is_prepared(client, uncached, settings):
    settings.DATABASE_PREPARED = False
    connection.close()  # a connection that has prepared nothing yet
    ballot = BallotFactory()
    record(ballot, {"DEU": ("Y", "")})
    assert client.get(ballot.get_absolute_url()).status_code == 200
    assert prepared_statements() == []


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_one_driver_cursor_per_connection_counted_and_renewed_with_it(
    client, uncached, django_assert_num_queries
):
    ballot = BallotFactory()
    record(ballot, {"DEU": ("Y", ""), "FRA": ("N", "")})
    assert client.get(ballot.get_absolute_url()).status_code == 200
    first = connection._statement_cursor[1]
    # Every statement still goes through Django's wrapper: counted as queries.
    with django_assert_num_queries(1), statement_cursor(connection) as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert connection._statement_cursor[1] is first
    # A new connection (the old one closed, or ended by the server) gets its
    # own cursor; the page still shows the votes.
    connection.close()
    body = client.get(ballot.get_absolute_url()).content.decode()
    assert "Germany" in body and "France" in body
    assert connection._statement_cursor[1] is not first
