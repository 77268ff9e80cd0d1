"""BallotPositions, kept by the database's triggers, always equals the
aggregate of each ballot's votes, however the votes are written."""

import importlib
import json
import threading
import time

import pytest
from django.db import connection, connections, transaction

from campaign.models import BallotPositions, MemberState, Vote

from .factories import BallotFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")


def state(iso3: str) -> int:
    return MemberState.objects.get(iso3=iso3).pk


def kept() -> dict[int, tuple[dict, dict | None]]:
    """The table, as the page reads it: each ballot's positions and notes."""
    return {
        ballot_id: (json.loads(positions), None if notes is None else json.loads(notes))
        for ballot_id, positions, notes in BallotPositions.objects.values_list(
            "ballot_id", "positions", "notes"
        )
    }


def aggregate() -> dict[int, tuple[dict, dict | None]]:
    """The same, computed from the votes by the ORM."""
    by_ballot: dict[int, tuple[dict, dict]] = {}
    for ballot_id, state_id, position, note in Vote.objects.order_by().values_list(
        "ballot_id", "state_id", "position", "note"
    ):
        positions, notes = by_ballot.setdefault(ballot_id, ({}, {}))
        positions[str(state_id)] = position
        if note:
            notes[str(state_id)] = note
    return {
        ballot_id: (positions, notes or None)
        for ballot_id, (positions, notes) in by_ballot.items()
    }


def assert_kept() -> dict[int, tuple[dict, dict | None]]:
    table = kept()
    assert table == aggregate()
    return table


def raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_votes_created_one_by_one_or_in_bulk_are_in_their_ballots_row():
    ballot = BallotFactory()
    Vote.objects.create(ballot=ballot, state_id=state("FRA"), position="Y")
    assert assert_kept() == {ballot.pk: ({str(state("FRA")): "Y"}, None)}
    Vote.objects.bulk_create(
        [
            Vote(ballot=ballot, state_id=state("CUB"), position="N"),
            Vote(ballot=ballot, state_id=state("CHN"), position="A", note="Explained"),
        ]
    )
    assert assert_kept()[ballot.pk] == (
        {str(state("FRA")): "Y", str(state("CUB")): "N", str(state("CHN")): "A"},
        {str(state("CHN")): "Explained"},
    )


def test_a_changed_position_is_kept_whether_saved_or_updated():
    ballot = BallotFactory()
    vote = Vote.objects.create(ballot=ballot, state_id=state("FRA"), position="Y")
    Vote.objects.create(ballot=ballot, state_id=state("CUB"), position="N")
    vote.position = "A"
    vote.save()
    assert assert_kept()[ballot.pk][0][str(state("FRA"))] == "A"
    Vote.objects.filter(ballot=ballot).update(position="X")
    assert set(assert_kept()[ballot.pk][0].values()) == {"X"}


def test_a_note_added_then_emptied_leaves_the_notes_null():
    ballot = BallotFactory()
    vote = Vote.objects.create(ballot=ballot, state_id=state("FRA"), position="Y")
    assert BallotPositions.objects.get(ballot_id=ballot.pk).notes is None
    vote.note = "Later stated it had intended to abstain"
    vote.save()
    assert assert_kept()[ballot.pk][1] == {
        str(state("FRA")): "Later stated it had intended to abstain"
    }
    Vote.objects.filter(pk=vote.pk).update(note="")
    assert BallotPositions.objects.get(ballot_id=ballot.pk).notes is None
    assert_kept()


def test_a_vote_moved_to_another_ballot_leaves_one_row_and_joins_the_other():
    left, joined = BallotFactory(), BallotFactory()
    vote = Vote.objects.create(ballot=left, state_id=state("FRA"), position="Y")
    Vote.objects.create(ballot=joined, state_id=state("CUB"), position="N")
    assert set(assert_kept()) == {left.pk, joined.pk}
    Vote.objects.filter(pk=vote.pk).update(ballot=joined)
    assert assert_kept() == {
        joined.pk: ({str(state("CUB")): "N", str(state("FRA")): "Y"}, None)
    }


def test_the_last_vote_deleted_takes_its_ballots_row_with_it():
    ballot = BallotFactory()
    first = Vote.objects.create(ballot=ballot, state_id=state("FRA"), position="Y")
    last = Vote.objects.create(ballot=ballot, state_id=state("CUB"), position="N")
    first.delete()
    assert assert_kept() == {ballot.pk: ({str(state("CUB")): "N"}, None)}
    last.delete()
    assert kept() == {}


def test_a_ballot_deleted_with_its_votes_leaves_no_row():
    ballot, other = BallotFactory(), BallotFactory()
    for b in (ballot, other):
        Vote.objects.create(ballot=b, state_id=state("FRA"), position="Y")
    assert set(assert_kept()) == {ballot.pk, other.pk}
    ballot.delete()
    assert set(assert_kept()) == {other.pk}


def test_votes_written_by_raw_sql_are_kept():
    ballot = BallotFactory()
    table = Vote._meta.db_table
    raw(
        f"INSERT INTO {table} (ballot_id, state_id, position, note) "
        "VALUES (%s, %s, %s, %s), (%s, %s, %s, %s)",
        [ballot.pk, state("FRA"), "Y", "", ballot.pk, state("CUB"), "N", "Raw"],
    )
    assert assert_kept()[ballot.pk] == (
        {str(state("FRA")): "Y", str(state("CUB")): "N"},
        {str(state("CUB")): "Raw"},
    )
    raw(
        f"UPDATE {table} SET position = %s, note = %s WHERE ballot_id = %s",
        ["A", "", ballot.pk],
    )
    assert assert_kept()[ballot.pk] == (
        {str(state("FRA")): "A", str(state("CUB")): "A"},
        None,
    )
    raw(f"DELETE FROM {table} WHERE state_id = %s", [state("FRA")])
    assert assert_kept()[ballot.pk] == ({str(state("CUB")): "A"}, None)


def test_a_rolled_back_write_leaves_the_table_as_it_was():
    ballot = BallotFactory()
    Vote.objects.create(ballot=ballot, state_id=state("FRA"), position="Y")
    before = assert_kept()
    with pytest.raises(RuntimeError), transaction.atomic():
        Vote.objects.filter(ballot=ballot).update(position="N", note="Undone")
        Vote.objects.create(ballot=BallotFactory(), state_id=state("CUB"), position="A")
        assert len(assert_kept()) == 2
        raise RuntimeError("undo")
    assert assert_kept() == before


def test_the_migration_fills_the_table_from_the_votes_already_recorded():
    ballot, other = BallotFactory(), BallotFactory()
    Vote.objects.create(ballot=ballot, state_id=state("FRA"), position="Y")
    Vote.objects.create(ballot=other, state_id=state("CUB"), position="N", note="Late")
    before = assert_kept()
    BallotPositions.objects.all().delete()
    migration = importlib.import_module("campaign.migrations.0005_ballotpositions")
    fill = {"sqlite": migration.SQLITE_FILL, "postgresql": migration.POSTGRESQL_FILL}
    for statement in fill[connection.vendor]:
        raw(statement, None)
    assert assert_kept() == before


def test_truncating_the_votes_empties_the_table(postgresql):
    Vote.objects.create(ballot=BallotFactory(), state_id=state("FRA"), position="Y")
    assert assert_kept() != {}
    # Checks the foreign keys now: PostgreSQL truncates no table with checks
    # pending.
    raw("SET CONSTRAINTS ALL IMMEDIATE", None)
    raw(f"TRUNCATE {Vote._meta.db_table}", None)
    assert kept() == {}


@pytest.mark.django_db(transaction=True)
def test_a_transaction_writing_votes_holds_their_ballots_until_it_commits(postgresql):
    ballot = BallotFactory()
    lock = "SELECT id FROM campaign_ballot WHERE id = %s FOR NO KEY UPDATE SKIP LOCKED"
    other = connections.create_connection("default")
    try:
        with transaction.atomic():
            Vote.objects.create(ballot=ballot, state_id=state("FRA"), position="Y")
            with other.cursor() as cursor:
                cursor.execute(lock, [ballot.pk])
                assert cursor.fetchall() == []
        with other.cursor() as cursor:
            cursor.execute(lock, [ballot.pk])
            assert cursor.fetchall() == [(ballot.pk,)]
    finally:
        other.close()


@pytest.mark.django_db(transaction=True)
def test_two_transactions_adding_votes_to_one_ballot_at_once_keep_both(postgresql):
    ballot = BallotFactory()
    france, cuba = state("FRA"), state("CUB")
    first_wrote = threading.Event()
    errors, waited = [], []

    def waiting_backends() -> int:
        with connection.cursor() as cursor:
            # A transaction sees one snapshot of the activity unless cleared.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            return cursor.fetchone()[0]

    def first():
        try:
            with transaction.atomic():
                Vote.objects.create(ballot_id=ballot.pk, state_id=france, position="Y")
                first_wrote.set()
                # Commits once the second is waiting for it.
                deadline = time.monotonic() + 10
                while not waiting_backends() and time.monotonic() < deadline:
                    time.sleep(0.01)
                waited.append(waiting_backends())
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    def second():
        try:
            assert first_wrote.wait(10)
            with transaction.atomic():
                Vote.objects.create(ballot_id=ballot.pk, state_id=cuba, position="N")
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for run in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert waited == [1]  # the second did wait for the first
    assert assert_kept() == {ballot.pk: ({str(france): "Y", str(cuba): "N"}, None)}
