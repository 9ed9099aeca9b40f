"""A query compiled to SQL once per process, then run with another value each time.

Django compiles a queryset to SQL on every evaluation. For the API's token lookup
(a join to the user and their clinician link, and their roles' subquery) that took
about as long as the database took to run it, on every request. ``Compiled``
keeps the compiler of the first evaluation and, each time after, puts the value
looked up in its parameters; the rows come back through Django's own iterable
(model instances, ``select_related``, annotations) exactly as the queryset's own.
``wrap`` lets a caller put the compiled SQL inside a statement of its own (the
read audit's, clinic.audit.reads) that returns the same columns; ``position``
tells where a field's column is among them.

On PostgreSQL the statement is also prepared, once per connection: with
parameters bound by the server, PostgreSQL parses and plans it the first time
only. Planning the detail's joins took longer than running them (the join
alone: 170 µs of the server's CPU unprepared, 47 µs prepared); Django leaves
prepared statements off, as poolers in transaction mode did not support them,
and the ORM's SQL is not all preparable (#20516) — these statements are fixed
and are. A pooler in front of PostgreSQL must keep sessions (or, PgBouncer ≥ 1.21,
``max_prepared_statements``).
"""
from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from typing import Any

import psycopg
from django.db import connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Field, QuerySet, UUIDField
from django.db.models.expressions import Col

# The compiled SQL and its parameters in, the statement run and its parameters out.
Wrap = Callable[[str, list[Any]], tuple[str, list[Any]]]


class Compiled:
    """``build(value)`` is the queryset for one value of ``field``; the value must
    appear once among its SQL's parameters (a lookup such as ``field=value``),
    and nothing else in it may change from one call to the next. One database:
    the queryset's, as its first call found it."""

    def __init__(self, build: Callable[[Any], QuerySet[Any]], field: Field[Any, Any]):
        self._build = build
        self._field = field
        self._compiled: tuple[QuerySet[Any], Any, str, tuple[Any, ...], int, dict[int, Any]] | None = None

    def __call__(self, value: Any, wrap: Wrap | None = None) -> list[Any]:
        template, compiler, sql, params, index, converters = self._compiled or self._compile()
        connection = connections[template.db]  # this thread's connection
        bound = list(params)
        bound[index] = self._prepared(value, connection)
        if wrap is not None:
            sql, bound = wrap(sql, bound)
        run = copy.copy(compiler)  # one per call: a compiler is not shared between threads
        run.connection = _Preparing(connection) if connection.vendor == "postgresql" else connection
        run.as_sql = lambda *args, **kwargs: (sql, tuple(bound))
        run.get_converters = lambda expressions: converters
        queryset = template.all()
        queryset.query.get_compiler = lambda *args, **kwargs: run  # type: ignore[method-assign]
        return list(queryset)

    @property
    def columns(self) -> int:
        """How many columns the compiled SQL selects."""
        _, compiler, *_ = self._compiled or self._compile()
        return len(compiler.select)

    def position(self, field: Field[Any, Any]) -> int:
        """Where the column of ``field``, of the queryset's own model, is among
        the columns the compiled SQL selects."""
        template, compiler, *_ = self._compiled or self._compile()
        for place, (expression, _, _) in enumerate(compiler.select):
            if (isinstance(expression, Col) and expression.alias == template.query.base_table
                    and expression.target.column == field.column):
                return place
        raise ValueError(f"{field} is not among the columns the query selects.")

    def _compile(self) -> tuple[QuerySet[Any], Any, str, tuple[Any, ...], int, dict[int, Any]]:
        """The queryset for a marker value, its compiler, SQL and parameters,
        where the marker is among them, and the converters of its columns'
        values: Django looks those up column by column on every evaluation,
        which took a twentieth of the API detail's CPU time (profiled)."""
        marker = uuid.uuid4() if isinstance(self._field, UUIDField) else uuid.uuid4().hex
        template = self._build(marker)
        compiler = template.query.get_compiler(using=template.db)
        sql, params = compiler.as_sql()
        prepared = self._prepared(marker, connections[template.db])
        places = [index for index, param in enumerate(params) if param == prepared]
        if len(places) != 1:
            raise ValueError(f"The value must appear once among the query's parameters, not {len(places)} times.")
        converters = compiler.get_converters([column for column, _, _ in compiler.select[:compiler.col_count]])
        self._compiled = (template, compiler, sql, tuple(params), places[0], converters)
        return self._compiled

    def _prepared(self, value: Any, connection: Any) -> Any:
        """The value as the lookup ``field=value`` sends it to the database."""
        field = self._field
        return field.get_db_prep_value(field.get_prep_value(value), connection, prepared=True)


class _Preparing:
    """A Django database connection whose cursors prepare every statement they
    run (psycopg's server-side binding, ``prepare=True``); all else is the
    connection's own. Its cursors are wrapped as Django's are, so the queries
    are counted and logged the same (when they are logged: DEBUG, the tests'
    query counts, the benchmark's), with their values in the SQL."""

    def __init__(self, connection: Any):
        self._connection = connection

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    def cursor(self) -> Any:
        connection = self._connection
        connection.close_if_health_check_failed()
        connection.ensure_connection()
        with connection.wrap_database_errors:
            cursor = _PreparedCursor(connection.connection)
        connection.validate_thread_sharing()
        return _Logged(cursor, connection) if connection.queries_logged else connection.make_cursor(cursor)


class _Logged(CursorDebugWrapper):
    """Django's debug cursor logs the SQL psycopg last sent as text, which a
    prepared statement's execution leaves unset: logged here as Django logs a
    statement bound on the server, its values put in by psycopg."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(self.db.ops.compose_sql(sql, params), params):
            return CursorWrapper.execute(self, sql, params)


class _PreparedCursor(psycopg.Cursor[Any]):
    def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None,
                binary: bool | None = None) -> Any:
        return super().execute(query, params, prepare=True, binary=binary)
