"""The audit table is append-only like the event log, with the same triggers
(``events.immutability``): no UPDATE, no DELETE, no SQLite REPLACE over a stored
record — so a reader cannot quietly remove the trace of a read."""
from events.immutability import AppendOnly

TABLE = "audit_patientread"
MESSAGE = "audit records are append-only"

AUDIT = AppendOnly(TABLE, MESSAGE, unique_keys=(("id",),),
                   collision=f"{MESSAGE}: an audit record already has this id")
