"""Make the database itself refuse UPDATE, DELETE and SQLite's REPLACE on audit
records, with the event log's triggers (see ``events.immutability``)."""
from django.db import migrations

from clinic.audit.immutability import AUDIT
from events.immutability import install_triggers, remove_triggers


def install(apps, schema_editor):
    install_triggers(schema_editor, of=AUDIT)


def remove(apps, schema_editor):
    remove_triggers(schema_editor, of=AUDIT)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
