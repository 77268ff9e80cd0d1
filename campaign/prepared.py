"""Queries whose SQL the ORM builds once, then run as plain SQL.

Building and compiling a query costs the ORM more than the database takes to
answer the small ones a public page asks; the callers keep the text per process
and send it with their own parameters. On PostgreSQL the database, too, plans
each such statement once per connection (``statement_cursor``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import nullcontext
from functools import cache
from weakref import WeakKeyDictionary

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.query import ModelIterable, get_related_populators


def statement_cursor(connection):
    """A cursor for statements a page runs over and over.

    On PostgreSQL the server plans each statement once per connection:
    Django's cursors bind parameters on the client, so the server plans every
    statement anew, and for the page's few statements, each built from
    subqueries and joins, planning takes longer than running them. This cursor
    binds on the server and has psycopg prepare each statement the first time
    it runs (``prepare_threshold`` 0 in the connection's OPTIONS, which
    Django's own client-binding cursors ignore), one driver cursor per
    connection, kept open (Django's wrapper around it, made per call, still
    logs and counts each query); with DATABASE_PREPARED false
    (behind a pooler that cannot keep prepared statements) it is the ordinary
    cursor. On SQLite it turns each statement's %s into ? once: Django does it
    with a regular expression on every run, which for a page's long
    statements cost more than SQLite took to plan them (the sqlite3 module
    keeps its own statement cache).
    """
    if connection.vendor == "sqlite":
        return _wrapped(
            connection,
            lambda raw: raw.cursor(factory=_converted_once()),
        )
    if connection.vendor != "postgresql" or not settings.DATABASE_PREPARED:
        return connection.cursor()
    # Not closed after the statement: see _kept_cursor.
    return nullcontext(_wrapped(connection, lambda raw: _kept_cursor(connection, raw)))


def _kept_cursor(connection, raw):
    """The connection's one server-binding driver cursor, kept open: a new one
    per statement would look up its result types' loaders anew every time."""
    kept = getattr(connection, "_statement_cursor", None)
    if kept is None or kept[0] is not raw or kept[1].closed:
        kept = connection._statement_cursor = (raw, _server_binding(connection, raw))
    return kept[1]


def _server_binding(connection, raw):
    from django.db.backends.postgresql.base import (
        TIMESTAMPTZ_OID,
        Format,
        ServerBindingCursor,
        register_tzloader,
    )

    cursor = ServerBindingCursor(raw)
    # As Django's own cursors: times in the connection's zone.
    loader = raw.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    if connection.timezone != loader.timezone:
        register_tzloader(connection.timezone, cursor)
    return cursor


def _wrapped(connection, make: Callable):
    """``make(driver connection)``'s cursor, opened and wrapped as Django opens
    and wraps its own: health-checked connection, errors translated, queries
    logged (and counted by tests) like any other."""
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        return connection._prepare_cursor(make(connection.connection))


@cache
def _converted_once():
    from django.db.backends.sqlite3.base import SQLiteCursorWrapper

    class ConvertedOnce(SQLiteCursorWrapper):
        converted: dict[str, str] = {}

        def convert_query(self, query, *, param_names=None):
            if param_names is not None:
                return super().convert_query(query, param_names=param_names)
            converted = self.converted.get(query)
            if converted is None:
                converted = super().convert_query(query)
                if len(self.converted) >= 256:
                    self.converted.clear()
                self.converted[query] = converted
            return converted

    return ConvertedOnce


def _same(key, value) -> bool:
    # The driver may have wrapped the key (psycopg's Int2 is an int).
    return isinstance(value, type(key)) and value == key


def one_json_value(queryset, sql: str) -> str:
    """``sql``, the SQL of a ``values_list`` queryset, rewritten to answer one
    row: a JSON array of its rows, each an array.

    A page reading hundreds of rows from SQLite releases and takes back the
    interpreter lock once per row, and in a threaded server every taking back
    waits behind the other threads: one value costs one wait. PostgreSQL sends
    the rows in one message anyway, but one value also spares a tuple per row.
    """
    compiler = queryset.query.get_compiler(using=queryset.db)
    compiler.setup_query()
    names = ", ".join(
        f'page_rows."{alias or expression.target.column}"'
        for expression, _, alias in compiler.select
    )
    if compiler.connection.vendor == "postgresql":
        return (
            f"SELECT COALESCE(json_agg(json_build_array({names}))::text, '[]') "
            f"FROM ({sql}) AS page_rows"
        )
    return f"SELECT json_group_array(json_array({names})) FROM ({sql}) AS page_rows"


class Slots:
    """Where a caller's keys go among a compiled query's parameters.

    ``params`` are what the query compiled to when built with ``sentinels``
    (values no real row has, one per key, of the keys' types); each is either
    one of the keys, filled in on every run, or a constant of the query.
    """

    def __init__(self, params, sentinels: tuple) -> None:
        self.slots: list[tuple[int | None, object]] = []
        found = set()
        for value in params:
            index = next(
                (i for i, key in enumerate(sentinels) if _same(key, value)),
                None,
            )
            if index is None:
                self.slots.append((None, value))
            else:
                wrap = (
                    type(value) if type(value) is not type(sentinels[index]) else None
                )
                self.slots.append((index, wrap))
                found.add(index)
        if found != set(range(len(sentinels))):
            raise RuntimeError(f"The query does not take every key of {sentinels!r}.")

    def fill(self, keys) -> list:
        out = []
        for index, extra in self.slots:
            if index is None:
                out.append(extra)  # a constant of the query
            else:
                out.append(keys[index] if extra is None else extra(keys[index]))
        return out


class _Plan:
    """One connection's compiled query: its SQL, parameters and row layout."""

    def __init__(self, queryset, connection, keys: tuple) -> None:
        compiler = queryset.query.get_compiler(connection=connection)
        self.sql, params = compiler.as_sql()
        self.slots = Slots(params, keys)
        self.compiler = compiler
        self.converters = compiler.get_converters(
            [column[0] for column in compiler.select[: compiler.col_count]]
        )
        self.models = issubclass(queryset._iterable_class, ModelIterable)
        if self.models:
            select, klass_info = compiler.select, compiler.klass_info
            columns = klass_info["select_fields"]
            self.model = klass_info["model"]
            self.fields = slice(columns[0], columns[-1] + 1)
            self.init_list = [f[0].target.attname for f in select[self.fields]]
            self.related = get_related_populators(klass_info, select, connection.alias)
            self.annotations = list(compiler.annotation_col_map.items())


class Prepared:
    """A queryset built and compiled once per database connection, run many times.

    ``build(*keys)`` returns the queryset for ``keys``; it is called once per
    connection with the ``sentinels`` (values no real row has, one per key, of
    the keys' types) to find where the keys go among the compiled parameters.
    Calling the object runs the SQL with real keys and returns what the
    queryset would: model instances (with their ``select_related`` objects and
    annotations) or ``values_list`` tuples, through the same database
    converters.
    """

    def __init__(self, build: Callable, *sentinels, using: str = DEFAULT_DB_ALIAS):
        self.build = build
        self.sentinels = sentinels
        self.using = using
        self._plans: WeakKeyDictionary = WeakKeyDictionary()
        self._lock = threading.Lock()

    def _plan(self, connection) -> _Plan:
        plan = self._plans.get(connection)
        if plan is None:
            plan = _Plan(self.build(*self.sentinels), connection, self.sentinels)
            with self._lock:
                self._plans[connection] = plan
        return plan

    def __call__(self, *keys) -> list:
        if len(keys) != len(self.sentinels):
            raise TypeError(f"Expected {len(self.sentinels)} keys, got {len(keys)}.")
        connection = connections[self.using]
        plan = self._plan(connection)
        with statement_cursor(connection) as cursor:
            cursor.execute(plan.sql, plan.slots.fill(keys))
            rows = cursor.fetchall()
        if plan.converters:
            rows = plan.compiler.apply_converters(rows, plan.converters)
        if not plan.models:
            return [tuple(row) for row in rows]
        model, fields, init_list, related = (
            plan.model,
            plan.fields,
            plan.init_list,
            plan.related,
        )
        annotations = plan.annotations
        objects = []
        for row in rows:
            obj = model.from_db(self.using, init_list, row[fields])
            for populator in related:
                populator.populate(row, obj)
            for name, column in annotations:
                setattr(obj, name, row[column])
            objects.append(obj)
        return objects
