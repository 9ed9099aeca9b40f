"""A stream's history, and the entity as it was after any of its events: the
stream folded up to that version with the domain's own ``evolve``. Nothing is
stored for this — the events are the only record needed."""
import dataclasses
import uuid
from dataclasses import dataclass

from events import store
from events.domain import catalogue, fold, hours, schedule
from events.domain.schedule import clock
from events.models import StoredEvent
from readmodels import selectors

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
    about = title(fold(evolve, messages))
    if events[0].stream_type == schedule.STREAM:
        about = schedule_title(stream_id, messages)
    return History(events, version, facts(fold(evolve, messages[:version])), about)


def title(state: object) -> str:
    """What a state is about, in words; a day's schedule (a mapping) has no title of its own."""
    return getattr(state, "title", "a day's schedule")


def schedule_title(stream_id: uuid.UUID | str, messages: list) -> str:
    """Whose day a schedule is — a doctor's or a patient's — found from an
    appointment it holds that still lies on that day (one query)."""
    held = {message.appointment_id for message in messages if hasattr(message, "appointment_id")}
    for booked in selectors.appointments().filter(id__in=held):
        whose = schedule.whose_day(stream_id, booked)
        if whose:
            return f"{whose}, {booked.day:%A} {booked.day.day} {booked.day:%B %Y}"
    return "a day's schedule"


def facts(state: object) -> list[Fact]:
    if dataclasses.is_dataclass(state):
        return [
            Fact(field.name.replace("_", " "), _in_words(getattr(state, field.name)),
                 str(getattr(state, field.name)) if field.name.endswith("_id") else None)
            for field in dataclasses.fields(state)
        ]
    if isinstance(state, dict):  # a day's schedule: appointment id -> booked minutes
        return [Fact(f"{clock(slot.start)}–{clock(slot.end)}", "booked", str(appointment_id))
                for appointment_id, slot in sorted(state.items(), key=lambda item: item[1].start)]
    return []



def _in_words(value: object) -> object:
    """A doctor's working week reads as days and hours, not as its blocks."""
    if isinstance(value, tuple) and all(isinstance(block, hours.Block) for block in value):
        return "; ".join(f"{hours.WEEKDAYS[day]} {hours.describe(value, day)}"
                         for day in range(7) if hours.on(value, day)) or "no hours"
    return value
