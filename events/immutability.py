"""Database triggers that refuse UPDATE and DELETE on the event table.

The model and its queryset refuse too, but only the database stops raw SQL, a
shell session or another program. The migration installs these; tests that need
an empty table use ``events.testing.reset_event_store`` — there is no setting
that turns them off.
"""
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

TABLE = "events_storedevent"
MESSAGE = "stored events are immutable"


class ImmutableEventError(Exception):
    pass


SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_REMOVE = [f"DROP TRIGGER IF EXISTS {TABLE}_no_update", f"DROP TRIGGER IF EXISTS {TABLE}_no_delete"]

POSTGRES_INSTALL = [
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
]
POSTGRES_REMOVE = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_change ON {TABLE}",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}",
    f"DROP FUNCTION IF EXISTS {TABLE}_refuse_change()",
    f"DROP FUNCTION IF EXISTS {TABLE}_refuse_truncate()",
]


def statements(vendor: str, install: bool = True) -> list[str]:
    if vendor == "sqlite":
        return SQLITE_INSTALL if install else SQLITE_REMOVE
    if vendor == "postgresql":
        return POSTGRES_INSTALL if install else POSTGRES_REMOVE
    raise NotImplementedError(f"No immutability triggers for {vendor}; use SQLite or PostgreSQL.")


def install_triggers(schema_editor: BaseDatabaseSchemaEditor) -> None:
    for sql in statements(schema_editor.connection.vendor):
        schema_editor.execute(sql)


def remove_triggers(schema_editor: BaseDatabaseSchemaEditor) -> None:
    for sql in statements(schema_editor.connection.vendor, install=False):
        schema_editor.execute(sql)
