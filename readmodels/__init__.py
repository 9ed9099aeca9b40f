"""The read side: plain relational tables that projectors fill from events."""
