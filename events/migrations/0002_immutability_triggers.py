"""Make the database itself refuse UPDATE and DELETE on stored events."""
from django.db import migrations

from events.immutability import CHANGE, install_triggers, remove_triggers


def install(apps, schema_editor):
    install_triggers(schema_editor, guards=[CHANGE])


def remove(apps, schema_editor):
    remove_triggers(schema_editor, guards=[CHANGE])


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
