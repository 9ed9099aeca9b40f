"""Django's SQLite backend, with the database's files readable by their owner only.

SQLite creates a database file with mode 0644 less the umask — on most machines
a clinic's records readable by every account — and its -wal and -shm files with
the database file's mode. So before SQLite opens a database file this backend
creates it with mode 0600 if it does not exist yet, and takes group and other
access away from it and its -wal, -shm and -journal files if an older version
made them so. Settings choose it for every SQLite database (``clinic.settings``);
it is otherwise Django's own backend.
"""
import logging
import os
import stat
from typing import Any

from django.db.backends.sqlite3 import base

logger = logging.getLogger(__name__)

PRIVATE = 0o600
COMPANIONS = ("", "-wal", "-shm", "-journal")


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        path = str(conn_params["database"])
        if not (self.is_in_memory_db() or path.startswith("file:") or path == ""):
            owner_only(path)
        return super().get_new_connection(conn_params)


def owner_only(path: str) -> None:
    """Create ``path`` with mode 0600 if it is missing; take group and other access
    from it and its companion files otherwise."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))
    except FileExistsError:
        pass
    for name in (path + suffix for suffix in COMPANIONS):
        try:
            mode = stat.S_IMODE(os.stat(name).st_mode)
            if mode & 0o077:
                os.chmod(name, mode & 0o700)
        except FileNotFoundError:
            continue
        except PermissionError as error:  # another account's file: say so, and carry on
            logger.warning("%s is readable by other accounts and cannot be made private (%s); "
                           "run `chmod 600 %s` as its owner.", name, error, name)
