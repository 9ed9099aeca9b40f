"""The staff web pages: server-rendered, one form per command, kept live over
Server-Sent Events. Reads come from the read models (``readmodels.selectors``);
writes go through the command handlers (``events.handlers``)."""
