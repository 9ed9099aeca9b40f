"""Index ``type`` together with ``position`` instead of alone.

The old single-column index came, on PostgreSQL, with a ``varchar_pattern_ops``
twin for LIKE queries that nothing runs but every insert maintains. The field
change is made in the state only: on SQLite, AlterField would rebuild the table
and so drop the immutability triggers of 0002; dropping the indexes by name is
all the database needs.
"""
from django.db import migrations, models

OLD_INDEXES = ["events_storedevent_type_f491dd5b", "events_storedevent_type_f491dd5b_like"]


class Migration(migrations.Migration):

    dependencies = [
        ('events', '0002_immutability_triggers'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='storedevent',
                    name='type',
                    field=models.CharField(max_length=64),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    [f'DROP INDEX IF EXISTS "{name}"' for name in OLD_INDEXES],
                    reverse_sql=['CREATE INDEX "events_storedevent_type_f491dd5b" ON "events_storedevent" ("type")'],
                ),
            ],
        ),
        migrations.AddIndex(
            model_name='storedevent',
            index=models.Index(fields=['type', 'position'], name='event_type_position'),
        ),
    ]
