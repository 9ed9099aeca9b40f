"""Test-only helpers. Nothing in the application imports this module."""
from django.db import connection, transaction

from .immutability import EVENTS, AppendOnly, statements


def empty(table: AppendOnly) -> None:
    """Empty an append-only table for the next test: lift its triggers, delete, put
    them back — all in one transaction, so the table is never left unguarded."""
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements(connection.vendor, install=False, of=table):
            cursor.execute(sql)
        cursor.execute(f"DELETE FROM {table.table}")
        for sql in statements(connection.vendor, install=True, of=table):
            cursor.execute(sql)


def reset_event_store() -> None:
    empty(EVENTS)
