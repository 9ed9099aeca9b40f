"""The SQLite database's files are readable by their owner only (clinic.db.sqlite3):
they hold patients' names and birth dates."""
import os
import stat
import subprocess
import sys

import pytest

from tests.production import services

MODES = """
import os, stat
from django.db import connection
with connection.cursor() as cursor:  # open, in WAL mode: the -wal and -shm files exist now
    cursor.execute("SELECT count(*) FROM django_migrations")
    path = connection.settings_dict["NAME"]
    print(" ".join(oct(stat.S_IMODE(os.stat(path + s).st_mode)) for s in ("", "-wal", "-shm")))
"""


def manage(database, *args):
    """manage.py as ``make run`` runs it, against ``database``, with the usual umask
    (022: files readable by everyone unless made otherwise)."""
    env = services.environment(DATABASE_URL=f"sqlite:///{database}", DJANGO_SETTINGS_MODULE="clinic.settings",
                               CELERY_BROKER_URL="", REDIS_URL="")
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=services.ROOT, env=env, capture_output=True,
                          text=True, timeout=300, preexec_fn=lambda: os.umask(0o022))
    assert done.returncode == 0, done.stderr
    return done.stdout


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_database_and_its_wal_and_shm_files_are_the_owners_only(tmp_path):
    database = tmp_path / "clinic.sqlite3"
    manage(database, "migrate", "--noinput")
    assert mode(database) == 0o600
    assert manage(database, "shell", "-c", MODES).splitlines()[-1].split() == ["0o600", "0o600", "0o600"]


def test_a_database_an_older_version_left_readable_is_made_private(tmp_path):
    database = tmp_path / "clinic.sqlite3"
    manage(database, "migrate", "--noinput")
    os.chmod(database, 0o644)
    assert manage(database, "shell", "-c", MODES).splitlines()[-1].split() == ["0o600", "0o600", "0o600"]


@pytest.mark.sqlite
def test_the_test_database_is_the_owners_only_too(db):
    from django.db import connection

    assert mode(connection.settings_dict["NAME"]) == 0o600
