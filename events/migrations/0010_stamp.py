"""Stamp each event, on PostgreSQL, with the first transaction id not yet handed
out when its INSERT began: what lets readers read in order while writers commit
at once (``events.store``, module docstring). Rows written before stay NULL, and
readable: they lie below every stamped row. SQLite has one writer at a time and
needs no stamp."""
from django.db import migrations

ADD = [
    "ALTER TABLE events_storedevent ADD COLUMN stamp xid8",
    "ALTER TABLE events_storedevent ALTER COLUMN stamp SET DEFAULT pg_snapshot_xmax(pg_current_snapshot())",
]
DROP = ["ALTER TABLE events_storedevent DROP COLUMN stamp"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)
    return run


class Migration(migrations.Migration):
    dependencies = [("events", "0009_card_links")]
    operations = [migrations.RunPython(_run(ADD), _run(DROP))]
