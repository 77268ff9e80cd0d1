"""The statements every send runs, as plain SQL: the ORM took longer to build them."""

from __future__ import annotations

from functools import cache

from django.db import connection, transaction

from .ledger import Delivery, DeliveryAttempt, Mailing


@cache
def _columns(model) -> dict:
    return {f.name: f for f in model._meta.concrete_fields} | {
        f.attname: f for f in model._meta.concrete_fields
    }


def _prepared(model, values: dict) -> tuple[list[str], list]:
    fields = _columns(model)
    names, params = [], []
    for name, value in values.items():
        field = fields[name]
        names.append(connection.ops.quote_name(field.column))
        params.append(field.get_db_prep_save(value, connection))
    return names, params


Statement = tuple[str, list]


def _one_text() -> bool:
    """Whether several statements may go to the database as one text.

    PostgreSQL takes them so when Django binds the parameters on the client,
    as it does unless ``server_side_binding`` is set.
    """
    return connection.vendor == "postgresql" and not connection.settings_dict[
        "OPTIONS"
    ].get("server_side_binding")


def run_together(statements: list[Statement]) -> list[int]:
    """Run ``statements`` in order and return their row counts.

    On PostgreSQL they go as one text in one round trip and the server answers
    each in turn.
    """
    with connection.cursor() as cursor:
        if _one_text():
            cursor.execute(
                "; ".join(sql for sql, _ in statements),
                [param for _, params in statements for param in params],
            )
            counts = [cursor.rowcount]
            while cursor.nextset():
                counts.append(cursor.rowcount)
            return counts
        counts = []
        for sql, params in statements:
            cursor.execute(sql, params)
            counts.append(cursor.rowcount)
        return counts


def run_atomically(statements: list[Statement]) -> list[int]:
    """All of ``statements`` or none; their row counts.

    Outside a transaction PostgreSQL runs a text of several statements as one
    transaction of its own, so this costs one round trip rather than three
    (BEGIN, the statements, COMMIT); elsewhere it is ``transaction.atomic()``.
    """
    if _one_text() and not connection.in_atomic_block:
        return run_together(statements)
    with transaction.atomic():
        return run_together(statements)


def update_statement(
    pk: int,
    *,
    where: dict,
    add_attempt: bool = False,
    mailing_running: bool = False,
    **values,
) -> Statement:
    """The compare-and-set ``filter(pk=..., **where).update(**values)`` as SQL.

    With ``attempts = attempts + 1`` when ``add_attempt`` is set, and only while
    its mailing is running when ``mailing_running`` is set.
    """
    quote = connection.ops.quote_name
    sets, set_params = _prepared(Delivery, values)
    assignments = [f"{column} = %s" for column in sets]
    if add_attempt:
        column = quote(_columns(Delivery)["attempts"].column)
        assignments.append(f"{column} = {column} + 1")
    columns, where_params = _prepared(Delivery, {"id": pk, **where})
    conditions = [f"{column} = %s" for column in columns]
    if mailing_running:
        conditions.append(
            f"{quote(_columns(Delivery)['mailing'].column)} IN (SELECT "
            f"{quote(Mailing._meta.pk.column)} FROM {quote(Mailing._meta.db_table)} "
            f"WHERE {quote(_columns(Mailing)['status'].column)} = %s)"
        )
        where_params.append(Mailing.Status.RUNNING.value)
    sql = (
        f"UPDATE {quote(Delivery._meta.db_table)} SET {', '.join(assignments)} "
        f"WHERE {' AND '.join(conditions)}"
    )
    return sql, set_params + where_params


def update_delivery(pk: int, *, where: dict, durable: bool = True, **options) -> int:
    """Run ``update_statement``; the number of rows changed (0 or 1).

    ``durable=False`` lets PostgreSQL acknowledge the change before it reaches
    the disk (``synchronous_commit`` off for this transaction only). A claim may
    be written so: should the server crash and lose it, the row is queued again
    and sent again, just as a durable claim whose "sent" mark was lost would be
    after its lease; and the mark, committed durably, carries every earlier
    change of the log to disk with it.
    """
    statement = update_statement(pk, where=where, **options)
    if (
        durable
        or connection.vendor != "postgresql"
        # Inside a caller's transaction the setting would outlive the claim.
        or connection.in_atomic_block
    ):
        return run_together([statement])[0]
    setting = ("SET LOCAL synchronous_commit TO OFF", [])
    return run_atomically([setting, statement])[1]


def attempt_statement(**values) -> Statement:
    """One DeliveryAttempt row, as ``DeliveryAttempt.objects.create`` would write it."""
    columns, params = _prepared(DeliveryAttempt, values)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(DeliveryAttempt._meta.db_table)} "
        f"({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    )
    return sql, params
