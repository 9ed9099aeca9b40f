"""Database triggers that keep an append-only table as it was written: the stored
events, and any other table whose rows are records (the read audit).

The model and its queryset refuse changes too, but only the database stops raw
SQL, a shell session or another program. Two guards, each installed by its own
migration:

* ``CHANGE`` refuses UPDATE and DELETE, and on PostgreSQL TRUNCATE of a
  non-empty table.
* ``REPLACE`` is SQLite's: ``REPLACE INTO`` / ``INSERT OR REPLACE``
  resolves a unique-key collision by deleting the stored row and inserting the
  new one — and that deletion fires no DELETE trigger unless the connection has
  ``PRAGMA recursive_triggers`` on, which no program has to. So a BEFORE INSERT
  trigger refuses any row that collides with a stored unique key (for events:
  position, event id, or stream and version); a plain INSERT of such a row would
  fail on the unique constraint anyway. PostgreSQL has no such hole: ``INSERT …
  ON CONFLICT DO UPDATE`` and ``MERGE`` change a row by UPDATE, which ``CHANGE``
  refuses.

A table is described once, as an ``AppendOnly`` (its name, the message a refusal
gives, its unique keys); ``EVENTS`` is the event table's. Tests that need an
empty table use ``events.testing.empty``; there is no setting that turns the
guards off.
"""
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.backends.base.schema import BaseDatabaseSchemaEditor

CHANGE, REPLACE = "change", "replace"
GUARDS = (CHANGE, REPLACE)


class ImmutableEventError(Exception):
    pass


@dataclass(frozen=True)
class AppendOnly:
    """A table whose rows, once written, are never changed or removed."""

    table: str
    message: str  # what a refusal says; tests look for "immutable" or "append-only" in it
    unique_keys: tuple[tuple[str, ...], ...]  # every unique key a REPLACE could collide with
    collision: str  # the REPLACE guard's refusal

    def statements(self, vendor: str, install: bool = True, guards: Sequence[str] = GUARDS) -> list[str]:
        """The SQL that installs (or removes, in reverse order) the given guards."""
        if vendor == "sqlite":
            sql = self._sqlite()
        elif vendor == "postgresql":
            sql = self._postgres()
        else:
            raise NotImplementedError(f"No immutability triggers for {vendor}; use SQLite or PostgreSQL.")
        if install:
            return [statement for guard in guards for statement in sql[guard][0]]
        return [statement for guard in reversed(guards) for statement in sql[guard][1]]

    def _sqlite(self) -> dict[str, tuple[list[str], list[str]]]:
        table, message = self.table, self.message
        # One index probe per unique key and inserted row: what the unique constraints
        # themselves do. An INTEGER PRIMARY KEY is -1 in NEW when the database draws it.
        collides = "\n                  OR ".join(
            f"EXISTS (SELECT 1 FROM {table} WHERE {' AND '.join(f'{column} = NEW.{column}' for column in key)})"
            for key in self.unique_keys)
        return {
            CHANGE: (
                [
                    f"""CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
                BEGIN SELECT RAISE(ABORT, '{message}'); END""",
                    f"""CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
                BEGIN SELECT RAISE(ABORT, '{message}'); END""",
                ],
                [f"DROP TRIGGER IF EXISTS {table}_no_update", f"DROP TRIGGER IF EXISTS {table}_no_delete"],
            ),
            REPLACE: (
                [
                    f"""CREATE TRIGGER IF NOT EXISTS {table}_no_replace BEFORE INSERT ON {table}
                WHEN {collides}
                BEGIN SELECT RAISE(ABORT, '{self.collision}'); END""",
                ],
                [f"DROP TRIGGER IF EXISTS {table}_no_replace"],
            ),
        }

    def _postgres(self) -> dict[str, tuple[list[str], list[str]]]:
        table, message = self.table, self.message
        return {
            CHANGE: (
                [
                    f"""CREATE OR REPLACE FUNCTION {table}_refuse_change() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION '{message}' USING ERRCODE = 'restrict_violation'; END;
                $$ LANGUAGE plpgsql""",
                    f"""CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION {table}_refuse_change()""",
                    # TRUNCATE is refused while there is any row to lose. An empty table may be
                    # truncated: that is how Django's test flush empties every table (after
                    # ``events.testing.empty``), and it removes nothing. TRUNCATE holds an
                    # ACCESS EXCLUSIVE lock before this runs, so no insert can slip in between.
                    f"""CREATE OR REPLACE FUNCTION {table}_refuse_truncate() RETURNS trigger AS $$
                BEGIN
                    IF EXISTS (SELECT 1 FROM {table}) THEN
                        RAISE EXCEPTION '{message}' USING ERRCODE = 'restrict_violation';
                    END IF;
                    RETURN NULL;
                END;
                $$ LANGUAGE plpgsql""",
                    f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION {table}_refuse_truncate()""",
                ],
                [
                    f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}",
                    f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
                    f"DROP FUNCTION IF EXISTS {table}_refuse_change()",
                    f"DROP FUNCTION IF EXISTS {table}_refuse_truncate()",
                ],
            ),
            REPLACE: ([], []),  # nothing to guard: see the module docstring
        }


TABLE = "events_storedevent"
MESSAGE = "stored events are immutable"
EVENTS = AppendOnly(
    TABLE, MESSAGE, unique_keys=(("position",), ("event_id",), ("stream_id", "version")),
    collision=f"{MESSAGE}: a stored event already has this position, event_id or stream version")


def statements(vendor: str, install: bool = True, guards: Sequence[str] = GUARDS,
               of: AppendOnly = EVENTS) -> list[str]:
    """The SQL that installs (or removes, in reverse order) the given guards of a table."""
    return of.statements(vendor, install, guards)


def install_triggers(schema_editor: BaseDatabaseSchemaEditor, guards: Sequence[str] = GUARDS,
                     of: AppendOnly = EVENTS) -> None:
    for sql in statements(schema_editor.connection.vendor, guards=guards, of=of):
        schema_editor.execute(sql)


def remove_triggers(schema_editor: BaseDatabaseSchemaEditor, guards: Sequence[str] = GUARDS,
                    of: AppendOnly = EVENTS) -> None:
    for sql in statements(schema_editor.connection.vendor, install=False, guards=guards, of=of):
        schema_editor.execute(sql)
