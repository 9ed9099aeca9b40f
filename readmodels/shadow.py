"""Rebuild without downtime: replay the log into fresh tables beside the live
ones while the site serves, then swap them in, in one transaction.

The fresh tables are made where this process's connection finds a table before
the live one of the same name, so the projectors and the runner are used as they
are — they name their models, never a schema:

* PostgreSQL: a schema of its own (``clinic_shadow``), first on this connection's
  ``search_path``. The swap moves the live tables out and the fresh ones in
  (``ALTER TABLE … SET SCHEMA``): instant whatever their size; a request that
  reads meanwhile waits for the swap's lock, then reads the new tables.
* SQLite: temporary tables, which SQLite searches before the main database. The
  swap copies them over the live ones in one transaction; readers (WAL) see the
  old rows until it commits, then the new.

The fresh tables have their own checkpoints (and dead letters), so the live
projectors run on meanwhile; the swap holds their checkpoints, catches the fresh
tables up to the head, and hands them the positions reached. No request ever sees
an empty or half-built table.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from django.db import connection, models, transaction

from events import store

from .models import Checkpoint, DeadLetter
from .projectors import PROJECTORS, Projector
from .rebuild import REPLAY_BATCH
from .runner import run

SCHEMA = "clinic_shadow"
RETIRED = "clinic_retired"

Progress = Callable[[int], object]


def rebuild_in_shadow(projectors: Sequence[Projector] = PROJECTORS, *, progress: Progress | None = None,
                      swapping: Callable[[], object] | None = None) -> dict[str, int]:
    """Build every projector's tables afresh beside the live ones, then swap.
    Returns the position each projector reached. ``swapping`` is called as the swap begins."""
    if set(projectors) != set(PROJECTORS):
        raise ValueError("A shadow rebuild covers every projector: the dead letters are one table.")
    shadow = _Postgres() if connection.vendor == "postgresql" else _Sqlite()
    fresh = [model for projector in projectors for model in projector.tables]
    store.analyze_log()  # it reads the whole log, often just after an import
    shadow.create([*fresh, Checkpoint, DeadLetter])
    try:
        with shadow.first():
            for projector in projectors:  # the bulk of the log, while the live projectors run on
                run(projector, batch_size=REPLAY_BATCH, progress=progress)
            with transaction.atomic():
                shadow.hold_live_checkpoints([p.name for p in projectors])
                if swapping is not None:
                    swapping()
                reached = {p.name: run(p, batch_size=REPLAY_BATCH, progress=progress) for p in projectors}
                shadow.swap([*fresh, DeadLetter], reached)
    finally:
        shadow.drop([*fresh, Checkpoint, DeadLetter])
    return reached


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


class _Postgres:
    def __init__(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_schema(), current_setting('search_path')")
            self.live, self.search_path = cursor.fetchone()

    def create(self, tables: Sequence[type[models.Model]]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")  # left by a run that was killed
            cursor.execute(f"CREATE SCHEMA {SCHEMA}")
        with self.first(), connection.schema_editor() as editor:
            for model in tables:
                editor.create_model(model)

    @contextmanager
    def first(self) -> Iterator[None]:
        with connection.cursor() as cursor:
            cursor.execute(f"SET search_path TO {SCHEMA}, {connection.ops.quote_name(self.live)}")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('search_path', %s, false)", [self.search_path])

    def hold_live_checkpoints(self, names: Sequence[str]) -> None:
        live = f"{connection.ops.quote_name(self.live)}.{_table(Checkpoint)}"
        with connection.cursor() as cursor:
            for name in names:
                cursor.execute(f"INSERT INTO {live} (projector, position, updated_at) VALUES (%s, 0, now()) "
                               "ON CONFLICT (projector) DO NOTHING", [name])
            cursor.execute(f"SELECT projector FROM {live} WHERE projector = ANY(%s) FOR UPDATE", [list(names)])

    def swap(self, tables: Sequence[type[models.Model]], reached: dict[str, int]) -> None:
        live = connection.ops.quote_name(self.live)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {RETIRED} CASCADE")
            cursor.execute(f"CREATE SCHEMA {RETIRED}")
            for model in tables:
                cursor.execute(f"ALTER TABLE {live}.{_table(model)} SET SCHEMA {RETIRED}")
                cursor.execute(f"ALTER TABLE {SCHEMA}.{_table(model)} SET SCHEMA {live}")
            for name, position in reached.items():
                cursor.execute(f"UPDATE {live}.{_table(Checkpoint)} SET position = %s, updated_at = now() "
                               "WHERE projector = %s", [position, name])
            cursor.execute(f"DROP SCHEMA {RETIRED} CASCADE")

    def drop(self, tables: Sequence[type[models.Model]]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


class _Sqlite:
    def create(self, tables: Sequence[type[models.Model]]) -> None:
        self.drop(tables)
        with connection.cursor() as cursor:
            for model in tables:
                name = model._meta.db_table
                cursor.execute("SELECT type, sql FROM main.sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL "
                               "AND type IN ('table', 'index') ORDER BY type = 'index'", [name])
                for kind, sql in cursor.fetchall():
                    cursor.execute(_temporary(kind, sql))

    @contextmanager
    def first(self) -> Iterator[None]:
        yield  # SQLite looks in ``temp`` before ``main`` by itself

    def hold_live_checkpoints(self, names: Sequence[str]) -> None:
        pass  # the transaction is IMMEDIATE: it holds the database's one write lock

    def swap(self, tables: Sequence[type[models.Model]], reached: dict[str, int]) -> None:
        with connection.cursor() as cursor:
            for model in tables:  # children first (Projector.tables' order)
                cursor.execute(f"DELETE FROM main.{_table(model)}")
            for model in reversed(tables):
                cursor.execute(f"INSERT INTO main.{_table(model)} SELECT * FROM temp.{_table(model)}")
            for name, position in reached.items():
                cursor.execute(f"INSERT INTO main.{_table(Checkpoint)} (projector, position, updated_at) "
                               "VALUES (%s, %s, datetime('now')) ON CONFLICT (projector) DO UPDATE SET "
                               "position = excluded.position, updated_at = excluded.updated_at", [name, position])

    def drop(self, tables: Sequence[type[models.Model]]) -> None:
        with connection.cursor() as cursor:
            for model in tables:
                cursor.execute(f"DROP TABLE IF EXISTS temp.{_table(model)}")


def _temporary(kind: str, sql: str) -> str:
    """A table's or index's DDL from sqlite_master, made to create it in ``temp``."""
    if kind == "table":
        return sql.replace("CREATE TABLE ", "CREATE TEMP TABLE ", 1)
    for prefix in ("CREATE UNIQUE INDEX ", "CREATE INDEX "):
        if sql.startswith(prefix):
            return prefix + "temp." + sql[len(prefix):]
    raise ValueError(f"Unexpected schema entry: {sql[:60]}")
