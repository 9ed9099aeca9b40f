"""Test-only helpers. Nothing in the application imports this module."""
from django.db import connection, transaction

from .immutability import TABLE, statements


def reset_event_store() -> None:
    """Empty the event table for the next test: lift the triggers, delete, put them
    back — all in one transaction, so the table is never left unguarded."""
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements(connection.vendor, install=False):
            cursor.execute(sql)
        cursor.execute(f"DELETE FROM {TABLE}")
        for sql in statements(connection.vendor, install=True):
            cursor.execute(sql)
