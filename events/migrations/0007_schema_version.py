"""Record on each stored event the schema version its data was written in.

Rows stored before this migration keep NULL, which reads as version 1: no row
is rewritten (the log is immutable, and UPDATE is refused anyway). The column is
nullable and has no default because that is the one change SQLite makes with
ALTER TABLE ADD COLUMN; any other would rebuild the table and so drop the
immutability triggers of 0002 and 0005. On PostgreSQL a nullable column is added
without rewriting the table (its CHECK reads the rows once and writes none) and
fires no trigger.
"""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('events', '0006_data_keys'),
    ]

    operations = [
        migrations.AddField(
            model_name='storedevent',
            name='schema_version',
            field=models.PositiveSmallIntegerField(blank=True, help_text='The schema version of its type that data was written in; empty: 1 (stored before versions were recorded).', null=True),
        ),
    ]
