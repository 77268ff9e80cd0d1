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


def update_delivery(
    pk: int,
    *,
    where: dict,
    add_attempt: bool = False,
    mailing_running: bool = False,
    durable: bool = True,
    **values,
) -> int:
    """Set ``values`` on one delivery if it still matches ``where``; rows changed.

    The same compare-and-set as ``filter(pk=..., **where).update(**values)``, with
    ``attempts = attempts + 1`` when ``add_attempt`` is set, and only while its
    mailing is running when ``mailing_running`` is set.

    ``durable=False`` lets PostgreSQL acknowledge the change before it reaches
    the disk (``synchronous_commit`` off for this transaction only). A claim may
    be written so: should the server crash and lose it, the row is queued again
    and sent again, just as a durable claim whose "sent" mark was lost would be
    after its lease; and the mark, committed durably, carries every earlier
    change of the log to disk with it.
    """
    if (
        not durable
        and connection.vendor == "postgresql"
        # Inside a caller's transaction the setting would outlive the claim.
        and not connection.in_atomic_block
    ):
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
            return update_delivery(
                pk,
                where=where,
                add_attempt=add_attempt,
                mailing_running=mailing_running,
                **values,
            )
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
    with connection.cursor() as cursor:
        cursor.execute(sql, set_params + where_params)
        return cursor.rowcount


def insert_attempt(**values) -> None:
    """One DeliveryAttempt row, as ``DeliveryAttempt.objects.create`` would write it."""
    columns, params = _prepared(DeliveryAttempt, values)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(DeliveryAttempt._meta.db_table)} "
        f"({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
