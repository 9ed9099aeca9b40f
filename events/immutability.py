"""Database triggers that keep stored events as they were written.

The model and its queryset refuse changes too, but only the database stops raw
SQL, a shell session or another program. Two guards, each installed by its own
migration:

* ``CHANGE`` (0002) refuses UPDATE and DELETE, and on PostgreSQL TRUNCATE of a
  non-empty table.
* ``REPLACE`` (0005) is SQLite's: ``REPLACE INTO`` / ``INSERT OR REPLACE``
  resolves a unique-key collision by deleting the stored row and inserting the
  new one — and that deletion fires no DELETE trigger unless the connection has
  ``PRAGMA recursive_triggers`` on, which no program has to. So a BEFORE INSERT
  trigger refuses any row that collides with a stored position, event id or
  (stream, version); a plain INSERT of such a row would fail on the unique
  constraint anyway. PostgreSQL has no such hole: ``INSERT … ON CONFLICT DO
  UPDATE`` and ``MERGE`` change a row by UPDATE, which ``CHANGE`` refuses.

Tests that need an empty table use ``events.testing.reset_event_store``; there is
no setting that turns the guards off.
"""
from collections.abc import Sequence

from django.db.backends.base.schema import BaseDatabaseSchemaEditor

TABLE = "events_storedevent"
MESSAGE = "stored events are immutable"
COLLISION = f"{MESSAGE}: a stored event already has this position, event_id or stream version"

CHANGE, REPLACE = "change", "replace"
GUARDS = (CHANGE, REPLACE)


class ImmutableEventError(Exception):
    pass


_SQLITE = {
    CHANGE: (
        [
            f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE}
                BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
            f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE}
                BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
        ],
        [f"DROP TRIGGER IF EXISTS {TABLE}_no_update", f"DROP TRIGGER IF EXISTS {TABLE}_no_delete"],
    ),
    # One index probe per unique key and inserted row: what the unique constraints
    # themselves do. NEW.position is -1 when the database draws the position.
    REPLACE: (
        [
            f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_replace BEFORE INSERT ON {TABLE}
                WHEN EXISTS (SELECT 1 FROM {TABLE} WHERE position = NEW.position)
                  OR EXISTS (SELECT 1 FROM {TABLE} WHERE event_id = NEW.event_id)
                  OR EXISTS (SELECT 1 FROM {TABLE} WHERE stream_id = NEW.stream_id AND version = NEW.version)
                BEGIN SELECT RAISE(ABORT, '{COLLISION}'); END""",
        ],
        [f"DROP TRIGGER IF EXISTS {TABLE}_no_replace"],
    ),
}

_POSTGRES = {
    CHANGE: (
        [
            f"""CREATE OR REPLACE FUNCTION {TABLE}_refuse_change() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation'; END;
                $$ LANGUAGE plpgsql""",
            f"""CREATE TRIGGER {TABLE}_no_change BEFORE UPDATE OR DELETE ON {TABLE}
                FOR EACH ROW EXECUTE FUNCTION {TABLE}_refuse_change()""",
            # TRUNCATE is refused while there is any event to lose. An empty table may be
            # truncated: that is how Django's test flush empties every table (after
            # ``events.testing.reset_event_store``), and it removes nothing. TRUNCATE holds
            # an ACCESS EXCLUSIVE lock before this runs, so no insert can slip in between.
            f"""CREATE OR REPLACE FUNCTION {TABLE}_refuse_truncate() RETURNS trigger AS $$
                BEGIN
                    IF EXISTS (SELECT 1 FROM {TABLE}) THEN
                        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
                    END IF;
                    RETURN NULL;
                END;
                $$ LANGUAGE plpgsql""",
            f"""CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE}
                FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_refuse_truncate()""",
        ],
        [
            f"DROP TRIGGER IF EXISTS {TABLE}_no_change ON {TABLE}",
            f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}",
            f"DROP FUNCTION IF EXISTS {TABLE}_refuse_change()",
            f"DROP FUNCTION IF EXISTS {TABLE}_refuse_truncate()",
        ],
    ),
    REPLACE: ([], []),  # nothing to guard: see the module docstring
}


def statements(vendor: str, install: bool = True, guards: Sequence[str] = GUARDS) -> list[str]:
    """The SQL that installs (or removes, in reverse order) the given guards."""
    if vendor == "sqlite":
        sql = _SQLITE
    elif vendor == "postgresql":
        sql = _POSTGRES
    else:
        raise NotImplementedError(f"No immutability triggers for {vendor}; use SQLite or PostgreSQL.")
    if install:
        return [statement for guard in guards for statement in sql[guard][0]]
    return [statement for guard in reversed(guards) for statement in sql[guard][1]]


def install_triggers(schema_editor: BaseDatabaseSchemaEditor, guards: Sequence[str] = GUARDS) -> None:
    for sql in statements(schema_editor.connection.vendor, guards=guards):
        schema_editor.execute(sql)


def remove_triggers(schema_editor: BaseDatabaseSchemaEditor, guards: Sequence[str] = GUARDS) -> None:
    for sql in statements(schema_editor.connection.vendor, install=False, guards=guards):
        schema_editor.execute(sql)
