"""Make SQLite refuse ``REPLACE INTO`` / ``INSERT OR REPLACE`` of a stored event,
whose implicit delete fires no DELETE trigger (see ``events.immutability``).
Nothing to do on PostgreSQL."""
from django.db import migrations

from events.immutability import REPLACE, install_triggers, remove_triggers


def install(apps, schema_editor):
    install_triggers(schema_editor, guards=[REPLACE])


def remove(apps, schema_editor):
    remove_triggers(schema_editor, guards=[REPLACE])


class Migration(migrations.Migration):
    dependencies = [("events", "0004_move_idempotent_request_to_api")]
    operations = [migrations.RunPython(install, remove)]
