"""A stream's history, and the entity as it was after any of its events: the
stream folded up to that version with the domain's own ``evolve``. Nothing is
stored for this — the events are the only record needed."""
import dataclasses
from dataclasses import dataclass

from events import store
from events.domain import appointment, doctor, fold, patient, schedule

EVOLVE = {
    "doctor": doctor.evolve,
    "patient": patient.evolve,
    "appointment": appointment.evolve,
    "schedule": schedule.evolve,
}
PAGES = {"doctor": "web:doctor", "patient": "web:patient", "appointment": "web:appointment"}


@dataclass(frozen=True)
class Fact:
    """One line of a state: its name, its value, and a stream it points to, if any."""

    name: str
    value: object
    stream_id: str | None = None


@dataclass(frozen=True)
class History:
    events: list
    version: int  # the version the state is shown after
    facts: list
    title: str  # what the stream is about, as it is now

    @property
    def stream_type(self):
        return self.events[0].stream_type

    @property
    def latest(self):
        return self.events[-1].version

    @property
    def page(self):
        """The staff page of this doctor, patient or appointment (a URL name)."""
        return PAGES.get(self.stream_type)


def history(stream_id, version=None):
    """The stream's events, and its state after ``version`` (default: the latest).
    None if the stream has no events."""
    events = store.read_stream(stream_id)
    if not events:
        return None
    version = events[-1].version if version is None else max(1, min(version, events[-1].version))
    evolve = EVOLVE[events[0].stream_type]
    return History(events, version, facts(fold(evolve, events[:version])), title(fold(evolve, events)))


def title(state):
    if isinstance(state, doctor.Doctor):
        return f"Dr {state.name}"
    if isinstance(state, patient.Patient):
        return state.name
    if isinstance(state, appointment.Appointment):
        return f"the appointment on {state.day:%d %b %Y} at {state.time:%H:%M}"
    return "a doctor's day schedule"


def facts(state):
    if dataclasses.is_dataclass(state):
        return [
            Fact(field.name.replace("_", " "), getattr(state, field.name),
                 str(getattr(state, field.name)) if field.name.endswith("_id") else None)
            for field in dataclasses.fields(state)
        ]
    if isinstance(state, dict):  # a day's schedule: appointment id -> booked minutes
        return [Fact(f"{_clock(slot.start)}–{_clock(slot.end)}", "booked", str(appointment_id))
                for appointment_id, slot in sorted(state.items(), key=lambda item: item[1].start)]
    return []


def _clock(minutes):
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
