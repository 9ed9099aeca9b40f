from django.db import migrations


def set_up(apps, schema_editor):
    from clinic.roles import groups

    groups.set_up(apps, schema_editor.connection.alias)


class Migration(migrations.Migration):
    """The manager's view-only permissions in the admin (clinic.roles.groups)."""

    dependencies = [
        ("roles", "0001_initial"),
        ("events", "0005_refuse_replace"),
        ("readmodels", "0001_initial"),
        ("api", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(set_up, migrations.RunPython.noop)]
