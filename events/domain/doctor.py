"""Doctor: registered once, then arrives and leaves, shift after shift."""
from dataclasses import dataclass
from datetime import datetime

from . import validate
from .errors import AlreadyExists, AlreadyOnShift, InvalidCommand, NotOnShift
from .messages import NewEvent

DOCTOR_CREATED = "DOCTOR_CREATED"
DOCTOR_ARRIVED = "DOCTOR_ARRIVED"
DOCTOR_LEFT = "DOCTOR_LEFT"


@dataclass(frozen=True)
class Doctor:
    name: str
    specialty: str
    arrived_at: datetime | None = None  # set while on shift
    last_left_at: datetime | None = None

    @property
    def on_shift(self):
        return self.arrived_at is not None


def evolve(state, event):
    if event.type == DOCTOR_CREATED:
        return Doctor(name=event.data["name"], specialty=event.data["specialty"])
    # A doctor's stream holds every shift ever worked and is folded on every
    # booking: build the next state directly (dataclasses.replace is slower).
    if event.type == DOCTOR_ARRIVED:
        return Doctor(state.name, state.specialty, datetime.fromisoformat(event.data["at"]), state.last_left_at)
    if event.type == DOCTOR_LEFT:
        return Doctor(state.name, state.specialty, None, datetime.fromisoformat(event.data["at"]))
    return state


def register(state, *, name, specialty):
    if state is not None:
        raise AlreadyExists("A doctor with this id already exists.", field="id")
    return [NewEvent(DOCTOR_CREATED, {
        "name": validate.text(name, "name", 200),
        "specialty": validate.text(specialty, "specialty", 100),
    })]


def arrive(state, *, at, now):
    validate.not_in_future(at, now, "at")
    if state.on_shift:
        raise AlreadyOnShift(f"Dr {state.name} is already on shift since {state.arrived_at.isoformat()}.")
    if state.last_left_at is not None and at < state.last_left_at:
        raise InvalidCommand(
            f"Arrival cannot be before the last departure ({state.last_left_at.isoformat()}).", field="at")
    return [NewEvent(DOCTOR_ARRIVED, {"at": at.isoformat()})]


def leave(state, *, at, now):
    validate.not_in_future(at, now, "at")
    if not state.on_shift:
        raise NotOnShift(f"Dr {state.name} is not on shift.")
    if at <= state.arrived_at:
        raise InvalidCommand(
            f"Departure must be after the arrival ({state.arrived_at.isoformat()}).", field="at")
    return [NewEvent(DOCTOR_LEFT, {"at": at.isoformat()})]


def worked_seconds(arrived_at, left_at):
    """Whole seconds between arrival and departure; the read side sums these."""
    return int((left_at - arrived_at).total_seconds())
