"""``COPY … FROM STDIN`` through Django's connection (PostgreSQL, psycopg 3).

Bulk writers that outgrow the ORM's INSERTs (the event import here, the
read models' ``Rows`` in a rebuild) send their rows with COPY. Django's cursor has no COPY; the driver's
own cursor under it has. Here Django still maps the driver's errors (a unique
violation: IntegrityError) and, when queries are logged (DEBUG, tests counting
queries), logs the COPY as one query.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING

from django.db import DEFAULT_DB_ALIAS, connections

if TYPE_CHECKING:
    from psycopg import Copy


@contextmanager
def copy_in(table: str, columns: Sequence[str], using: str = DEFAULT_DB_ALIAS) -> Iterator[Copy]:
    """The driver's ``Copy`` into ``table``'s ``columns``: ``write_row`` adapts Python
    values with psycopg's dumpers, ``write`` takes text already in COPY's format.
    The rows are in once the block ends."""
    connection = connections[using]
    quote = connection.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    with connection.cursor() as cursor, connection.wrap_database_errors:
        logged = cursor.debug_sql(sql) if connection.queries_logged else nullcontext()
        with logged, cursor.cursor.copy(sql) as copy:
            yield copy
