"""Queries whose SQL the ORM builds once, then run as plain SQL.

Building and compiling a query costs the ORM more than the database takes to
answer the small ones a public page asks; the callers keep the text per process
and send it with their own parameters.
"""

from __future__ import annotations


def sql_for(queryset, params) -> str:
    """The SQL of ``queryset``, checked to take exactly ``params``, in order.

    ``params`` are the placeholder values the caller built the queryset with;
    it later runs the SQL with real values in their places.
    """
    sql, compiled = queryset.query.sql_with_params()
    if list(compiled) != list(params):
        raise RuntimeError(f"The query takes {list(compiled)!r}, not {list(params)!r}.")
    return sql
