"""The role table's rules, without a database."""
import uuid

import pytest

from clinic.roles.rules import TABLE, Capability, Reach, Role, Staff, may, reach

OWN_DOCTOR, OTHER_DOCTOR = uuid.uuid4(), uuid.uuid4()
RECEPTION = Staff(roles=frozenset({Role.RECEPTION}))
CLINICIAN = Staff(roles=frozenset({Role.CLINICIAN}), doctor_id=OWN_DOCTOR)
MANAGER = Staff(roles=frozenset({Role.MANAGER}))


@pytest.mark.parametrize("capability", list(Capability))
def test_a_manager_may_do_everything_for_any_doctor(capability):
    assert may(MANAGER, capability, OTHER_DOCTOR)


def test_reception_books_and_registers_but_sees_no_hours_and_no_history():
    assert may(RECEPTION, Capability.BOOK, OTHER_DOCTOR)
    assert may(RECEPTION, Capability.WRITE_PATIENTS)
    assert may(RECEPTION, Capability.RECORD_ATTENDANCE, OTHER_DOCTOR)
    assert not may(RECEPTION, Capability.SEE_HOURS, OTHER_DOCTOR)
    assert not may(RECEPTION, Capability.SEE_HISTORY)
    assert not may(RECEPTION, Capability.MANAGE_DOCTORS)


def test_a_clinician_acts_for_their_own_doctor_only():
    assert may(CLINICIAN, Capability.RECORD_ATTENDANCE, OWN_DOCTOR)
    assert not may(CLINICIAN, Capability.RECORD_ATTENDANCE, OTHER_DOCTOR)
    assert may(CLINICIAN, Capability.SEE_HOURS, OWN_DOCTOR)
    assert not may(CLINICIAN, Capability.SEE_HOURS, OTHER_DOCTOR)
    assert may(CLINICIAN, Capability.ATTEND, OWN_DOCTOR)
    assert reach(CLINICIAN, Capability.SEE_PATIENTS) is Reach.OWN


def test_a_clinician_never_books_or_writes_patients():
    assert not may(CLINICIAN, Capability.BOOK, OWN_DOCTOR)
    assert not may(CLINICIAN, Capability.WRITE_PATIENTS)
    assert not may(CLINICIAN, Capability.SEE_HISTORY)


def test_a_clinician_without_a_doctor_owns_nothing():
    unlinked = Staff(roles=frozenset({Role.CLINICIAN}))
    assert reach(unlinked, Capability.SEE_PATIENTS) is Reach.NONE
    assert not may(unlinked, Capability.ATTEND, OWN_DOCTOR)


def test_a_user_without_a_role_may_nothing():
    nobody = Staff()
    assert not nobody.has_role
    assert not any(may(nobody, capability) for capability in Capability)


def test_a_superuser_may_everything():
    assert all(may(Staff(superuser=True), capability, OTHER_DOCTOR) for capability in Capability)


def test_two_roles_give_the_wider_reach():
    both = Staff(roles=frozenset({Role.CLINICIAN, Role.RECEPTION}), doctor_id=OWN_DOCTOR)
    assert may(both, Capability.BOOK, OTHER_DOCTOR)
    assert may(both, Capability.SEE_HOURS, OWN_DOCTOR)
    assert not may(both, Capability.SEE_HOURS, OTHER_DOCTOR)


def test_every_capability_has_a_row():
    assert set(TABLE) == set(Capability)
