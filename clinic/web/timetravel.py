"""A stream's history, and the entity as it was after any of its events: the
stream folded up to that version with the domain's own ``evolve``. Nothing is
stored for this — the events are the only record needed."""
import dataclasses
import uuid
from dataclasses import dataclass

from events import store
from events.domain import catalogue, fold
from events.domain.schedule import clock
from events.models import StoredEvent

PAGES = {"doctor": "web:doctor", "patient": "web:patient", "appointment": "web:appointment"}


@dataclass(frozen=True)
class Fact:
    """One line of a state: its name, its value, and a stream it points to, if any."""

    name: str
    value: object
    stream_id: str | None = None


@dataclass(frozen=True)
class History:
    events: list[StoredEvent]
    version: int  # the version the state is shown after
    facts: list[Fact]
    title: str  # what the stream is about, as it is now

    @property
    def stream_type(self) -> str:
        return self.events[0].stream_type

    @property
    def latest(self) -> int:
        return self.events[-1].version

    @property
    def page(self) -> str | None:
        """The staff page of this doctor, patient or appointment (a URL name)."""
        return PAGES.get(self.stream_type)


def history(stream_id: uuid.UUID, version: int | None = None) -> History | None:
    """The stream's events, and its state after ``version`` (default: the latest).
    None if the stream has no events."""
    events = store.read_stream(stream_id)
    if not events:
        return None
    version = events[-1].version if version is None else max(1, min(version, events[-1].version))
    evolve = catalogue.evolve_of(events[0].stream_type)
    messages = [event.message for event in events]
    return History(events, version, facts(fold(evolve, messages[:version])), title(fold(evolve, messages)))


def title(state: object) -> str:
    """What a state is about, in words; a day's schedule (a mapping) has no title of its own."""
    return getattr(state, "title", "a doctor's day schedule")


def facts(state: object) -> list[Fact]:
    if dataclasses.is_dataclass(state):
        return [
            Fact(field.name.replace("_", " "), getattr(state, field.name),
                 str(getattr(state, field.name)) if field.name.endswith("_id") else None)
            for field in dataclasses.fields(state)
        ]
    if isinstance(state, dict):  # a day's schedule: appointment id -> booked minutes
        return [Fact(f"{clock(slot.start)}–{clock(slot.end)}", "booked", str(appointment_id))
                for appointment_id, slot in sorted(state.items(), key=lambda item: item[1].start)]
    return []

