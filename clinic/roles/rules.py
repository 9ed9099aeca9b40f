"""The role table, as pure data: which role may do what, and over which doctors.

A rule answers for a *reach*: ``ANY`` (every doctor, every patient) or ``OWN``
(only the clinician's own doctor, the appointments booked with them and the
patients of those appointments). Views ask ``may(staff, capability)`` for the
endpoint as a whole and ``reach(staff, capability)`` to narrow what they list.
"""
from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass


class Role(enum.StrEnum):
    RECEPTION = "reception"
    CLINICIAN = "clinician"
    MANAGER = "manager"


class Reach(enum.Enum):
    NONE = 0
    OWN = 1
    ANY = 2


class Capability(enum.StrEnum):
    SEE_DOCTORS = "see doctors"
    MANAGE_DOCTORS = "register, update and retire doctors, set working hours"
    RECORD_ATTENDANCE = "record a doctor's arrival and departure"
    SEE_HOURS = "see timesheets and hours worked"
    SEE_PATIENTS = "see patients"
    WRITE_PATIENTS = "register and update patients"
    BOOK = "book, reschedule and cancel appointments"
    ATTEND = "check patients in and record no-shows"
    SEE_HISTORY = "see the event log, streams and the audit log"
    ERASE_PATIENTS = "erase a patient's personal data"


R, C, M = Role.RECEPTION, Role.CLINICIAN, Role.MANAGER
ANY, OWN = Reach.ANY, Reach.OWN

# The contract's table, row by row. A role missing from a row may not.
TABLE: dict[Capability, dict[Role, Reach]] = {
    Capability.SEE_DOCTORS: {R: ANY, C: ANY, M: ANY},
    Capability.MANAGE_DOCTORS: {M: ANY},
    Capability.RECORD_ATTENDANCE: {R: ANY, C: OWN, M: ANY},
    Capability.SEE_HOURS: {C: OWN, M: ANY},
    Capability.SEE_PATIENTS: {R: ANY, C: OWN, M: ANY},
    Capability.WRITE_PATIENTS: {R: ANY, M: ANY},
    Capability.BOOK: {R: ANY, M: ANY},
    Capability.ATTEND: {R: ANY, C: OWN, M: ANY},
    Capability.SEE_HISTORY: {M: ANY},
    Capability.ERASE_PATIENTS: {M: ANY},
}


@dataclass(frozen=True)
class Staff:
    """What the rules need to know of a signed-in user."""

    roles: frozenset[Role] = frozenset()
    doctor_id: uuid.UUID | None = None  # a clinician's own doctor
    superuser: bool = False

    @property
    def has_role(self) -> bool:
        return self.superuser or bool(self.roles)


def reach(staff: Staff, capability: Capability) -> Reach:
    """How far this user's capability goes: the widest of their roles'."""
    if staff.superuser:
        return Reach.ANY
    granted = [TABLE[capability].get(role, Reach.NONE) for role in staff.roles]
    widest = max(granted, key=lambda r: r.value, default=Reach.NONE)
    if widest is Reach.OWN and staff.doctor_id is None:
        return Reach.NONE  # a clinician not linked to a doctor owns nothing
    return widest


def may(staff: Staff, capability: Capability, doctor_id: uuid.UUID | None = None) -> bool:
    """May this user use the capability at all — or, given a doctor, for that doctor?"""
    granted = reach(staff, capability)
    if granted is Reach.ANY:
        return True
    if granted is Reach.OWN:
        return doctor_id is None or doctor_id == staff.doctor_id
    return False
