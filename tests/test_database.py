"""The PostgreSQL backend's health check: no round trip for a quiet connection,
and a connection the server ended is still replaced before a request uses it."""

import select
import time

import pytest
from django.db import connection, connections

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_a_quiet_connection_is_reused_without_a_round_trip(monkeypatch):
    pid = backend_pid()
    asked = []
    monkeypatch.setattr(
        type(connections["default"]), "is_usable", lambda self: asked.append(1) or True
    )
    connection.health_check_done = False  # as at the start of a request
    connection.close_if_health_check_failed()
    assert asked == []
    assert connection.health_check_done
    assert backend_pid() == pid


def test_a_connection_the_server_ended_is_replaced_before_it_is_used():
    pid = backend_pid()
    killer = connection.get_new_connection(connection.get_connection_params())
    try:
        killer.autocommit = True
        killer.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        killer.close()
    # The server says why and closes the socket.
    deadline = time.monotonic() + 5
    while not select.select([connection.connection.fileno()], [], [], 0.05)[0]:
        assert time.monotonic() < deadline, "the server did not end the connection"
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    # The request's first query runs on a new connection instead of failing.
    assert backend_pid() != pid


def test_a_connection_in_a_transaction_gets_djangos_check(monkeypatch):
    asked = []
    real = type(connections["default"]).is_usable
    monkeypatch.setattr(
        type(connections["default"]),
        "is_usable",
        lambda self: asked.append(1) or real(self),
    )
    connection.ensure_connection()
    connection.connection.execute("BEGIN")
    try:
        connection.health_check_done = False
        connection.close_if_health_check_failed()
        assert asked == [1]
    finally:
        connection.connection.execute("ROLLBACK")
