"""IdempotentRequest is the API's concern, so its model moved to ``clinic.api``.

Only Django's state changes here: the table stays as it is, with its rows, and
``api.0001`` takes it over under the same name."""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0003_type_position_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="IdempotentRequest")],
            database_operations=[],
        ),
    ]
