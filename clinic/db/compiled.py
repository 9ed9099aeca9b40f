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
"""
from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from typing import Any

from django.db import connections
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
        run.connection = connection
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
