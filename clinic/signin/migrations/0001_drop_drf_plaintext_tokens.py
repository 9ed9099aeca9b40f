"""DRF's own tokens (``rest_framework.authtoken``) are dropped, not converted.

They were kept in plain text, never expired, and were one per user for good;
knox's tokens replace them (``clinic.signin.tokens``). Converting them would carry
secrets that anyone with a copy of the database (a backup, a dump) may have read
into a scheme built so that the database holds none, and would give them an expiry
their holders never expected. So they stop working the moment this runs: an
integration signs in again with ``POST /api/auth/token/`` (docs/api.md) and gets
a token that expires.

The table is dropped with its rows, and the app's migration records with it, so
that the app, were it ever installed again, would start from an empty table. Its
content type and permissions stay until ``manage.py remove_stale_contenttypes``.
A database created after this change never had the table: nothing happens.
"""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", reverse_sql=migrations.RunSQL.noop),
        migrations.RunSQL("DELETE FROM django_migrations WHERE app = 'authtoken'",
                          reverse_sql=migrations.RunSQL.noop),
    ]
