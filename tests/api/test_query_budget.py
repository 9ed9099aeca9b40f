"""The API's query budget, counting every query — token authentication and the
user's role included (one query for both: the token's lookup reads the role): a
detail is one join, and a list costs a fixed few queries whatever its size. A read
of patients' data costs one more: the read audit's single INSERT (clinic.audit),
written before the answer."""
import datetime

import pytest
from django.db import connection

from events import handlers
from events.domain.commands import Arrive, BookAppointment, Leave, SetWorkingHours


@pytest.fixture
def busy_clinic(committed_db, ctx, doctor, patient):
    """A doctor with many shifts and many appointments."""
    start = datetime.datetime(2026, 1, 5, 8, tzinfo=datetime.timezone.utc)
    for day in range(12):
        handlers.dispatch(ctx, Arrive(doctor, at=start + datetime.timedelta(days=day)))
        handlers.dispatch(ctx, Leave(doctor, at=start + datetime.timedelta(days=day, hours=8)))
    for slot in range(30):
        handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=datetime.date(2030, 1, 7),
                                  time=datetime.time(8 + slot // 4, (slot % 4) * 15), duration_minutes=15))
    return doctor


def audit_inserts(captured):
    return [q["sql"] for q in captured.captured_queries if 'INSERT INTO "audit_patientread"' in q["sql"]]


def test_appointment_detail_is_auth_role_one_join_and_the_audit(api, appointment, django_assert_num_queries):
    # The token with the user's role, the appointment with its doctor and patient, the audit's
    # INSERT: on PostgreSQL the last two are one statement (clinic.audit.reads.RecordedRead).
    together = connection.vendor == "postgresql"
    with django_assert_num_queries(2 if together else 3) as captured:
        response = api.get(f"/api/appointments/{appointment}/")
    assert response.status_code == 200
    data_queries = [q["sql"] for q in captured.captured_queries if "readmodels_appointment" in q["sql"]]
    assert len(data_queries) == 1 and "JOIN" in data_queries[0]
    assert len(audit_inserts(captured)) == 1
    assert (audit_inserts(captured) == data_queries) is together


@pytest.mark.parametrize("page_size", [1, 30])
def test_appointment_list_does_not_grow_with_page_size(api, busy_clinic, django_assert_max_num_queries, page_size):
    # The token with the role, the count, the page, and one INSERT of the read audit for the whole page.
    with django_assert_max_num_queries(4) as captured:
        response = api.get(f"/api/appointments/?page_size={page_size}")
    assert len(response.json()["results"]) == page_size
    assert len(audit_inserts(captured)) == 1


@pytest.mark.parametrize("filters", ["", "&status=booked&day=2030-01-07"])
def test_filtered_list_stays_in_budget(api, busy_clinic, django_assert_max_num_queries, filters):
    # The token with the role, the count, the page, and one INSERT of the read audit for the whole page.
    with django_assert_max_num_queries(4):
        response = api.get(f"/api/appointments/?doctor={busy_clinic}{filters}")
    assert response.json()["count"] == 30


def test_doctor_detail_does_not_grow_with_shifts(api, busy_clinic, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # auth with the role, the doctor, the timesheet
        response = api.get(f"/api/doctors/{busy_clinic}/")
    assert len(response.json()["timesheet"]) == 12
    assert response.json()["totalHoursWorked"] == 96


@pytest.mark.parametrize("blocks", [1, 14])
def test_doctor_detail_with_own_hours_does_not_grow_with_blocks_or_shifts(
        api, ctx, busy_clinic, django_assert_max_num_queries, blocks):
    """Own working hours are one more table: one more query, whatever the number
    of blocks (the default week is read from the settings, no query)."""
    week = tuple({"weekday": n % 7, "start": f"{8 + 5 * (n // 7):02d}:00", "end": f"{12 + 5 * (n // 7):02d}:00"}
                 for n in range(blocks))
    handlers.dispatch(ctx, SetWorkingHours(busy_clinic, weekly=week))
    with django_assert_max_num_queries(4):  # auth with the role, the doctor, the timesheet, the hours
        response = api.get(f"/api/doctors/{busy_clinic}/")
    assert len(response.json()["workingHours"]) == blocks
    assert len(response.json()["timesheet"]) == 12
