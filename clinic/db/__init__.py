"""Database backends of the clinic's own (see ``sqlite3``)."""
