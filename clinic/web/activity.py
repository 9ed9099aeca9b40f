"""Events told in the clinic's words ("Ada Lovelace arrived"), for the dashboard's
latest activity and the event log.

Names come from the read models, looked up for a whole page of events in three
queries, so a renamed patient reads with today's name. An event whose row is not
projected yet is still told, from its own data where it has it.
"""
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import formats, timezone

from events import store
from events.domain import appointment, doctor, patient, schedule
from readmodels import selectors


@dataclass(frozen=True)
class Activity:
    event: object  # a StoredEvent
    text: str

    @property
    def actor(self):
        return self.event.metadata.get("actor", "")


def latest(count, *, include_schedule=False):
    """The most recent events, newest first, told in words."""
    events = store.read_all().order_by("-position")
    if not include_schedule:
        events = events.exclude(stream_type="schedule")
    return told(list(events[:count]))


def told(events):
    names = _Names(events)
    return [Activity(event, _tell(event, names)) for event in events]


class _Names:
    def __init__(self, events):
        doctor_ids, patient_ids, appointment_ids = set(), set(), set()
        for event in events:
            if event.stream_type == "doctor":
                doctor_ids.add(event.stream_id)
            elif event.stream_type == "patient":
                patient_ids.add(event.stream_id)
            elif event.stream_type == "appointment":
                appointment_ids.add(event.stream_id)
                if "doctor_id" in event.data:
                    doctor_ids.add(event.data["doctor_id"])
                    patient_ids.add(event.data["patient_id"])
        self.appointments = {a.id: a for a in selectors.appointments().filter(id__in=appointment_ids)}
        for booked in self.appointments.values():
            doctor_ids.add(booked.doctor_id)
            patient_ids.add(booked.patient_id)
        self.doctors = dict(selectors.doctors().filter(id__in=doctor_ids).values_list("id", "name"))
        self.patients = dict(selectors.patients().filter(id__in=patient_ids).values_list("id", "name"))

    def doctor(self, doctor_id, fallback="a doctor"):
        return self.doctors.get(_uuid(doctor_id), fallback)

    def patient(self, patient_id, fallback="a patient"):
        return self.patients.get(_uuid(patient_id), fallback)


def _uuid(value):
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _tell(event, names):
    data, kind = event.data, event.type
    if kind == doctor.DOCTOR_CREATED:
        return f"Dr {data['name']} ({data['specialty']}) registered"
    if kind == doctor.DOCTOR_ARRIVED:
        return f"Dr {names.doctor(event.stream_id)} arrived at {_moment(data['at'])}"
    if kind == doctor.DOCTOR_LEFT:
        return f"Dr {names.doctor(event.stream_id)} left at {_moment(data['at'])}"
    if kind == patient.PATIENT_CREATED:
        return f"{data['name']} registered as a patient"
    if kind == patient.PATIENT_UPDATED:
        changed = " and ".join(
            {"name": f"name to {data.get('name')}", "date_of_birth": "date of birth"}[k] for k in data)
        return f"{names.patient(event.stream_id, data.get('name', 'A patient'))}: changed {changed or 'nothing'}"
    if kind == appointment.APPOINTMENT_CREATED:
        return (f"{names.patient(data['patient_id'])} booked with Dr {names.doctor(data['doctor_id'])} "
                f"on {_day(data['day'])} at {data['time']}")
    if kind == appointment.APPOINTMENT_CANCELLED:
        booked = names.appointments.get(event.stream_id)
        if booked is None:
            return "An appointment was cancelled"
        reason = f": {data['reason']}" if data.get("reason") else ""
        return (f"Appointment of {booked.patient.name} with Dr {booked.doctor.name} on {_day(booked.day)} "
                f"at {booked.time:%H:%M} cancelled{reason}")
    if kind == schedule.SLOT_BOOKED:
        return f"Slot from {data['start']} for {data['duration_minutes']} minutes taken"
    if kind == schedule.SLOT_RELEASED:
        return "Slot released"
    return kind


def _moment(iso):
    """A stored instant, in the clinic's time zone."""
    at = timezone.localtime(datetime.fromisoformat(iso))
    if at.date() == timezone.localdate():
        return formats.time_format(at, "H:i")
    return formats.date_format(at, "D j M, H:i")


def _day(value):
    day = value if isinstance(value, date) else date.fromisoformat(value)
    return formats.date_format(day, "D j M Y")
