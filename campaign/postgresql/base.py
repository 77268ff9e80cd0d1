"""Django's PostgreSQL backend, with a health check that needs no round trip.

With CONN_HEALTH_CHECKS, Django sends ``SELECT 1`` before the first query of
every request that reuses a connection: on a public page that builds in a
couple of milliseconds, a round trip of its own (and a wake-up of the
server's backend) for nothing in all but the rarest requests. A connection
that sits idle between requests receives nothing from the server unless the
server ended it (a restart, an administrator's pg_terminate_backend: the
server sends its reason and closes the socket). So the check first looks,
without waiting, whether anything arrived: nothing means the connection is as
it was left, and the request goes on; anything, or a connection in any state
but idle, gets Django's own check (``SELECT 1``), which closes a dead
connection so that the request opens a new one instead of failing.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql.base import DatabaseWrapper as PostgresWrapper
from psycopg import pq


class DatabaseWrapper(PostgresWrapper):
    def _idle_and_quiet(self) -> bool:
        """Open, idle outside a transaction, and nothing to read from the server."""
        raw = self.connection
        if raw is None or raw.closed or raw.broken:
            return False
        if raw.pgconn.transaction_status != pq.TransactionStatus.IDLE:
            return False
        try:
            readable, _, _ = select.select([raw.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable

    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and not self.pool
            and self._idle_and_quiet()
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
