"""The appointment card: the seed's other answer, a denormalization *process*.

One stream per appointment (``stream_id``) records how the appointment's card
came together: ``CARD_STARTED`` when the appointment is booked (its ids, day and
time), then what the finder found on the doctor's and the patient's own streams
(``CARD_DOCTOR_FOUND``, ``CARD_PATIENT_FOUND``), and ``CARD_COMPLETED`` the first
time both are known. Later changes follow: the appointment moved, checked in,
missed or cancelled (``CARD_APPOINTMENT_CHANGED``: the card follows, it is never
dropped — the appointment's detail still shows a cancelled appointment), the
doctor or the patient changed (found again), the patient erased
(``CARD_PATIENT_ERASED``). The read side projects these events into one row per
appointment holding the whole document (``readmodels.AppointmentCard``).

Every decision here is idempotent: it compares what it is told with what the
card already records and returns nothing when they agree. The subscribers that
send these commands (``events.processes.card``) may therefore be re-run after a
crash, or run in either order, and the stream converges on the same facts.

A patient's name and date of birth are personal: ``CARD_PATIENT_FOUND`` is sealed
under the patient's key like the patient's own events, so erasure shreds it too.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, time
from uuid import NAMESPACE_URL, UUID, uuid5

from .appointment import BOOKED
from .errors import InvalidCommand, NotFound
from .messages import Event, Words

STREAM = "card"


def stream_id(appointment_id: UUID | str) -> UUID:
    """The card's stream is named by its appointment (a stream holds one kind of events)."""
    return uuid5(NAMESPACE_URL, f"clinic:card:{UUID(str(appointment_id))}")


@dataclass(frozen=True)
class CardStarted(Event, type="CARD_STARTED", stream=STREAM):
    appointment_id: uuid.UUID
    doctor_id: uuid.UUID
    patient_id: uuid.UUID
    day: date
    time: time

    def told(self, stream_id: uuid.UUID, words: Words) -> str:
        return f"The card of the appointment on {words.day(self.day)} at {self.time:%H:%M} began"


@dataclass(frozen=True)
class CardAppointmentChanged(Event, type="CARD_APPOINTMENT_CHANGED", stream=STREAM):
    """Where and how the appointment is now: doctor, day, time and status."""

    doctor_id: uuid.UUID
    day: date
    time: time
    status: str

    def told(self, stream_id: uuid.UUID, words: Words) -> str:
        return f"The card now says {words.day(self.day)} at {self.time:%H:%M}, {self.status}"


@dataclass(frozen=True)
class CardDoctorFound(Event, type="CARD_DOCTOR_FOUND", stream=STREAM):
    doctor_id: uuid.UUID
    name: str
    specialty: str
    retired: bool = False

    def told(self, stream_id: uuid.UUID, words: Words) -> str:
        return f"The card found Dr {self.name} ({self.specialty})"


@dataclass(frozen=True)
class CardPatientFound(Event, type="CARD_PATIENT_FOUND", stream=STREAM, personal=("name", "date_of_birth"),
                       owner="patient_id"):
    """Sealed under the patient's key: once they are erased it reads "[erased]"."""

    patient_id: uuid.UUID
    name: str
    date_of_birth: date | None = None

    def told(self, stream_id: uuid.UUID, words: Words) -> str:
        return f"The card found the patient {self.name}"


@dataclass(frozen=True)
class CardPatientErased(Event, type="CARD_PATIENT_ERASED", stream=STREAM):
    patient_id: uuid.UUID

    def told(self, stream_id: uuid.UUID, words: Words) -> str:
        return "The card's patient was erased"


@dataclass(frozen=True)
class CardCompleted(Event, type="CARD_COMPLETED", stream=STREAM):
    """The first time the card knew its doctor and its patient."""

    def told(self, stream_id: uuid.UUID, words: Words) -> str:
        return "The card has everything it needs"


@dataclass(frozen=True)
class FoundDoctor:
    doctor_id: uuid.UUID
    name: str
    specialty: str
    retired: bool = False


@dataclass(frozen=True)
class FoundPatient:
    patient_id: uuid.UUID
    name: str
    date_of_birth: date | None
    erased: bool = False


@dataclass(frozen=True)
class Card:
    appointment_id: uuid.UUID
    doctor_id: uuid.UUID
    patient_id: uuid.UUID
    day: date
    time: time
    status: str = BOOKED
    doctor: FoundDoctor | None = None
    patient: FoundPatient | None = None
    completed: bool = False

    @property
    def title(self) -> str:
        return f"the card of the appointment on {self.day:%d %b %Y} at {self.time:%H:%M}"

    @property
    def whole(self) -> bool:
        """The card knows the appointment's doctor (as it is now booked) and its patient."""
        return self.patient is not None and self.doctor is not None and self.doctor.doctor_id == self.doctor_id


def evolve(state: Card | None, event: Event) -> Card | None:
    if type(event) is CardStarted:
        return Card(event.appointment_id, event.doctor_id, event.patient_id, event.day, event.time)
    if state is None:
        return None
    if type(event) is CardAppointmentChanged:
        return replace(state, doctor_id=event.doctor_id, day=event.day, time=event.time, status=event.status)
    if type(event) is CardDoctorFound:
        return replace(state, doctor=FoundDoctor(event.doctor_id, event.name, event.specialty, event.retired))
    if type(event) is CardPatientFound:
        return replace(state, patient=FoundPatient(event.patient_id, event.name, event.date_of_birth))
    if type(event) is CardPatientErased:
        return replace(state, patient=FoundPatient(event.patient_id, "", None, erased=True))
    if type(event) is CardCompleted:
        return replace(state, completed=True)
    return state


def track(state: Card | None, *, appointment_id: uuid.UUID, doctor_id: uuid.UUID, patient_id: uuid.UUID,
          day: date, time: time, status: str) -> list[Event]:
    """The appointment as it is now: starts the card, or records what changed, or nothing."""
    events: list[Event] = []
    if state is None:
        events.append(CardStarted(appointment_id=appointment_id, doctor_id=doctor_id, patient_id=patient_id,
                                  day=day, time=time))
        recorded = (doctor_id, day, time, BOOKED)
    else:
        if (appointment_id, patient_id) != (state.appointment_id, state.patient_id):
            raise InvalidCommand("This card is another appointment's, or for another patient.", field="patient_id")
        recorded = (state.doctor_id, state.day, state.time, state.status)
    if (doctor_id, day, time, status) != recorded:
        events.append(CardAppointmentChanged(doctor_id=doctor_id, day=day, time=time, status=status))
    return events


def find_doctor(state: Card | None, *, doctor_id: uuid.UUID, name: str, specialty: str,
                retired: bool = False) -> list[Event]:
    """What the doctor's stream says now. Found twice alike, it is recorded once; a
    doctor the appointment no longer has (moved to another since) is not this card's."""
    card = _started(state)
    if doctor_id != card.doctor_id:
        return []
    if card.doctor == FoundDoctor(doctor_id, name, specialty, retired):
        return []
    return _completing(card, [CardDoctorFound(doctor_id=doctor_id, name=name, specialty=specialty,
                                              retired=retired)])


def find_patient(state: Card | None, *, patient_id: uuid.UUID, name: str | None = None,
                 date_of_birth: date | None = None, erased: bool = False) -> list[Event]:
    """What the patient's stream says now: their name and date of birth, or that
    they were erased (for ever: nothing personal is recorded after that)."""
    card = _started(state)
    if patient_id != card.patient_id:
        raise InvalidCommand("This card is for another patient.", field="patient_id")
    if card.patient is not None and card.patient.erased:
        return []
    if erased:
        return _completing(card, [CardPatientErased(patient_id=patient_id)])
    if name is None:
        raise InvalidCommand("Give the patient's name, or say they were erased.", field="name")
    if card.patient == FoundPatient(patient_id, name, date_of_birth):
        return []
    return _completing(card, [CardPatientFound(patient_id=patient_id, name=name, date_of_birth=date_of_birth)])


def _started(state: Card | None) -> Card:
    if state is None:
        raise NotFound("This appointment's card has not started.")
    return state


def _completing(state: Card, events: list[Event]) -> list[Event]:
    """``events``, and ``CARD_COMPLETED`` if they make the card whole for the first time."""
    after: Card | None = state
    for event in events:
        after = evolve(after, event)
    if not state.completed and after is not None and after.whole:
        return [*events, CardCompleted()]
    return events
