"""Subscribers: classes whose methods, marked ``@on(EventClass)``, are called
with each event of that class, in log order, by the one runner
(``readmodels.runner``), which keeps each subscriber's checkpoint.

Two kinds subclass ``Subscriber``: the read side's projectors
(``readmodels.projectors``), which change read-model rows, and the write side's
processes (``events.processes``), which send commands through
``handlers.dispatch``. Either way the runner applies a batch and moves the
checkpoint in one transaction, so what a subscriber writes for an event and the
checkpoint moving past it commit together or not at all.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from .domain.messages import Event

Handler = Callable[..., None]


def on(event_class: type[Event]) -> Callable[[Handler], Handler]:
    """Mark a subscriber method as the handler of one event class."""
    def mark(method: Handler) -> Handler:
        method.projects = event_class  # type: ignore[attr-defined]
        return method
    return mark


class Subscriber:
    name: ClassVar[str] = ""
    # Events per batch (one transaction), if not the runner's default. A process's
    # commands take the log's append lock until its batch commits (on PostgreSQL
    # other writers wait that long), so processes keep their batches small.
    batch_size: ClassVar[int | None] = None
    # Whether handling an event appends to the log (a process's commands). The
    # runner then holds the append lock for the whole batch: a transaction that
    # appends again after letting the lock go could wait for it while the
    # writer holding it waits for this transaction's rows — a deadlock.
    appends: ClassVar[bool] = False
    _handlers: ClassVar[dict[type[Event], str]] = {}  # event class -> the name of the method handling it

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = {method.projects: name for name, method in vars(cls).items() if hasattr(method, "projects")}
        cls._handlers = {**cls._handlers, **own}  # a subclass handles what its parent does, and more

    def handled_types(self) -> list[str]:
        """The stored type names this subscriber reads: the runner reads no others."""
        return sorted(event_class.type for event_class in self._handlers)

    def apply(self, recorded: Any, rows: Any) -> None:
        """Handle one event (a ``store.Recorded``). ``rows`` is the batch's
        ``readmodels.rows.Rows``: projectors change rows there, which the runner
        writes back once the whole batch has been applied; processes ignore it."""
        name = self._handlers.get(type(recorded.event))
        if name is not None:
            getattr(self, name)(recorded, recorded.event, rows)
