"""The API's idempotency records, taken over from ``events`` with their table
(``events.0004``): Django's state only, no change to the database."""
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("events", "0004_move_idempotent_request_to_api"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="IdempotentRequest",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("actor", models.CharField(max_length=150)),
                        ("key", models.CharField(max_length=255)),
                        ("fingerprint", models.CharField(help_text="Hash of method, path and body.",
                                                         max_length=64)),
                        ("position", models.BigIntegerField()),
                        ("resource_id", models.UUIDField(null=True)),
                        ("status_code", models.PositiveSmallIntegerField(null=True)),
                        ("response", models.JSONField(null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        "db_table": "events_idempotentrequest",
                        "constraints": [models.UniqueConstraint(fields=("actor", "key"),
                                                                name="one_result_per_idempotency_key")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
