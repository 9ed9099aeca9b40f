"""The day's work through the API: free slots, a doctor's timesheet by period
(JSON and CSV), appointments by period as CSV, working hours to 24:00."""
import csv
import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from events import handlers
from events.domain.commands import Arrive, BookAppointment, CancelAppointment, Leave, SetWorkingHours

DAY = "2030-01-07"  # a Monday
MONDAY = datetime.date(2030, 1, 7)


def _book(ctx, doctor, patient, at, minutes=30, day=MONDAY):
    return handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=day,
                                                  time=datetime.time(*at), duration_minutes=minutes)).id


def _rows(answer):
    return list(csv.reader(io.StringIO(answer.content.decode())))


# --- Free slots --------------------------------------------------------------

def test_free_slots_lie_on_the_grid_inside_hours_around_bookings(api, ctx, doctor, patient):
    handlers.dispatch(ctx, SetWorkingHours(doctor, weekly=(
        {"weekday": 0, "start": "08:00", "end": "10:00"}, {"weekday": 0, "start": "13:10", "end": "14:00"})))
    _book(ctx, doctor, patient, (8, 30), 45)           # holds 08:30-09:15
    cancelled = _book(ctx, doctor, patient, (9, 30))   # cancelled: its time is free again
    handlers.dispatch(ctx, CancelAppointment(cancelled))
    answer = api.get(f"/api/doctors/{doctor}/free-slots/?day={DAY}&durationMinutes=30")
    assert answer.status_code == 200
    assert answer.json() == {"day": DAY, "durationMinutes": 30, "slots": [
        "08:00",                     # 08:15 would run into the 08:30 booking
        "09:15", "09:30",            # 09:45 would run past the 10:00 end
        "13:15", "13:30"]}           # the grid's first start after 13:10; 13:45 runs past 14:00
    # A full hour fits nowhere: 08:00 meets the 08:30 booking, 09:15 runs past 10:00, 13:15 past 14:00.
    assert api.get(f"/api/doctors/{doctor}/free-slots/?day={DAY}&durationMinutes=60").json()["slots"] == []


def test_free_slots_leave_out_the_past_and_a_retired_doctors_day(api, doctor):
    today = timezone.localdate()
    now = timezone.localtime()
    everyday = tuple({"weekday": d, "start": "00:00", "end": "24:00"} for d in range(7))
    handlers.dispatch(handlers.Context(actor="t", source="seed"), SetWorkingHours(doctor, weekly=everyday))
    slots = api.get(f"/api/doctors/{doctor}/free-slots/?day={today}&durationMinutes=15").json()["slots"]
    assert slots and all(datetime.time.fromisoformat(s) > now.time() for s in slots)
    assert slots[-1] == "23:45"  # the block to 24:00 holds the day's last slot
    api.post(f"/api/doctors/{doctor}/retirement/", {}, format="json")
    assert api.get(f"/api/doctors/{doctor}/free-slots/?day={DAY}").json()["slots"] == []


@pytest.mark.parametrize("query, field", [("", "day"), ("day=2030-13-01", "day"), ("day=2100-01-04", "day"),
                                          (f"day={DAY}&durationMinutes=4", "durationMinutes"),
                                          (f"day={DAY}&durationMinutes=481", "durationMinutes"),
                                          (f"day={DAY}&durationMinutes=x", "durationMinutes")])
def test_free_slots_bad_query_is_400_naming_it(api, doctor, query, field):
    answer = api.get(f"/api/doctors/{doctor}/free-slots/?{query}")
    assert answer.status_code == 400 and field in answer.json() and answer.json()["detail"]


def test_free_slots_of_an_unknown_doctor_is_404(api, unknown_id):
    answer = api.get(f"/api/doctors/{unknown_id}/free-slots/?day={DAY}")
    assert answer.status_code == 404 and answer.json()["detail"]


def test_free_slots_read_the_read_model_in_a_fixed_number_of_queries(api, ctx, doctor, patient,
                                                                     django_assert_max_num_queries):
    handlers.dispatch(ctx, SetWorkingHours(doctor, weekly=({"weekday": 0, "start": "08:00", "end": "18:00"},)))
    for hour in (9, 10, 11):
        _book(ctx, doctor, patient, (hour, 0))
    with django_assert_max_num_queries(6):  # auth (token, user), the doctor, its hours, the day's bookings
        assert api.get(f"/api/doctors/{doctor}/free-slots/?day={DAY}").status_code == 200


# --- Timesheet -------------------------------------------------------------

@pytest.fixture
def shifts(ctx, doctor, settings):
    """Three shifts in Kolkata (UTC+05:30): Mon 08:00-12:30, Tue 09:00-17:15,
    and Wed 23:00 (Wed's, though 17:30 UTC) to Thu 01:00."""
    settings.TIME_ZONE = "Asia/Kolkata"
    zone = ZoneInfo("Asia/Kolkata")
    for day, start, end in [(5, (8, 0), (5, 12, 30)), (6, (9, 0), (6, 17, 15)), (7, (23, 0), (8, 1, 0))]:
        arrived = datetime.datetime(2026, 1, day, *start, tzinfo=zone)
        handlers.dispatch(ctx, Arrive(doctor, at=arrived))
        handlers.dispatch(ctx, Leave(doctor, at=datetime.datetime(2026, 1, end[0], end[1], end[2], tzinfo=zone)))
    return doctor


def test_a_timesheet_by_period_of_clinic_days_with_its_total(api, shifts):
    answer = api.get(f"/api/doctors/{shifts}/timesheet/?from=2026-01-06&to=2026-01-07")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["from"], body["to"], body["totalHoursWorked"]) == ("2026-01-06", "2026-01-07", 10.25)
    assert [e["hoursWorked"] for e in body["entries"]] == [8.25, 2]
    assert body["entries"][1]["arrivedAt"].startswith("2026-01-07T23:00:00+05:30")  # the clinic's own Wednesday
    assert api.get(f"/api/doctors/{shifts}/timesheet/?from=2026-01-05&to=2026-01-05").json()[
        "totalHoursWorked"] == 4.5


def test_a_timesheet_as_csv_has_a_header_and_a_total_row(api, shifts):
    answer = api.get(f"/api/doctors/{shifts}/timesheet/?from=2026-01-05&to=2026-01-31&format=csv")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    assert "attachment" in answer["Content-Disposition"]
    rows = _rows(answer)
    assert rows[0] == ["arrivedAt", "leftAt", "hoursWorked"]
    assert [row[2] for row in rows[1:-1]] == ["4.5", "8.25", "2"]
    assert rows[-1] == ["total", "", "14.75"]


@pytest.mark.parametrize("query, field", [("", "from"), ("from=2026-01-05", "to"),
                                          ("from=2026-01-05&to=2026-01-04", "to"),
                                          ("from=2026-01-01&to=2027-06-01", "to"),
                                          ("from=1999-12-31&to=2026-01-01", "from"),
                                          ("from=2026-01-05&to=2026-01-06&format=xml", "format")])
def test_a_timesheet_bad_period_is_400_in_the_one_shape_even_for_csv(api, doctor, query, field):
    for extra in ("", "&format=csv"):
        answer = api.get(f"/api/doctors/{doctor}/timesheet/?{query}{extra if 'format' not in query else ''}")
        assert answer.status_code == 400 and answer["Content-Type"] == "application/json"
        assert field in answer.json() and answer.json()["detail"]


def test_a_timesheet_of_an_unknown_doctor_is_404(api, unknown_id):
    answer = api.get(f"/api/doctors/{unknown_id}/timesheet/?from=2026-01-05&to=2026-01-06&format=csv")
    assert answer.status_code == 404 and answer.json()["detail"]


# --- Appointments as CSV ------------------------------------------------------

def test_appointments_of_a_period_as_csv(api, ctx, doctor, patient):
    _book(ctx, doctor, patient, (9, 0))
    _book(ctx, doctor, patient, (10, 0), day=MONDAY + datetime.timedelta(days=1))
    _book(ctx, doctor, patient, (11, 0), day=MONDAY + datetime.timedelta(days=2))
    answer = api.get("/api/appointments/?from=2030-01-07&to=2030-01-08&format=csv")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    rows = _rows(answer)
    assert rows[0] == ["id", "day", "time", "durationMinutes", "status", "patientId", "patientName", "doctorId",
                       "doctorName", "doctorSpecialty"]
    assert [(r[1], r[2], r[4], r[6], r[8]) for r in rows[1:]] == [
        ("2030-01-07", "09:00", "booked", "Grace Hopper", "Ada Lovelace"),
        ("2030-01-08", "10:00", "booked", "Grace Hopper", "Ada Lovelace")]
    # JSON stays as it was, filtered by the same period.
    assert api.get("/api/appointments/?from=2030-01-07&to=2030-01-08").json()["count"] == 2


def test_appointments_csv_needs_its_period_and_quotes_formulas(api, ctx, doctor):
    from events.domain.commands import RegisterPatient
    sly = handlers.dispatch(ctx, RegisterPatient(name="=HYPERLINK(1)", date_of_birth=datetime.date(1990, 1, 1))).id
    _book(ctx, doctor, sly, (9, 0))
    missing = api.get("/api/appointments/?format=csv")
    assert missing.status_code == 400 and {"from", "to"} <= set(missing.json())
    rows = _rows(api.get(f"/api/appointments/?from={DAY}&to={DAY}&format=csv"))
    assert rows[1][6] == "'=HYPERLINK(1)"  # a spreadsheet shows it, does not run it


# --- Hours to 24:00 --------------------------------------------------------------

def test_working_hours_may_run_to_midnight(api, doctor):
    week = {"weekly": [{"weekday": 4, "start": "18:00", "end": "24:00"}]}
    answer = api.put(f"/api/doctors/{doctor}/working-hours/", week, format="json")
    assert answer.status_code == 200 and answer.json()["workingHours"] == week["weekly"]
    assert api.get(f"/api/doctors/{doctor}/").json()["workingHours"] == week["weekly"]


# --- Duplicate patients ------------------------------------------------------------

def test_a_second_patient_with_the_same_name_and_birthday_is_409_unless_allowed(api, patient):
    body = {"name": "grace  HOPPER", "dateOfBirth": "1980-12-09"}
    refused = api.post("/api/patients/", body, format="json")
    assert refused.status_code == 409
    assert refused.json() == {
        "detail": ("Grace Hopper, born 9 December 1980, is already registered. Send allowDuplicate: true to "
                   "register another patient with the same name and date of birth."),
        "duplicateOf": str(patient)}
    assert api.get("/api/patients/").json()["count"] == 1
    other_birthday = api.post("/api/patients/", {**body, "dateOfBirth": "1980-12-10"}, format="json")
    assert other_birthday.status_code == 201
    allowed = api.post("/api/patients/", {**body, "allowDuplicate": True}, format="json")
    assert allowed.status_code == 201 and allowed.json()["id"] != str(patient)
    assert api.post("/api/patients/", {**body, "allowDuplicate": "yes"}, format="json").status_code == 400


def test_a_retried_registration_answers_as_the_first_not_as_a_duplicate(api):
    body = {"name": "Alan Turing", "dateOfBirth": "1912-06-23"}
    first = api.post("/api/patients/", body, format="json", HTTP_IDEMPOTENCY_KEY="alan-1")
    again = api.post("/api/patients/", body, format="json", HTTP_IDEMPOTENCY_KEY="alan-1")
    assert (first.status_code, again.status_code) == (201, 201) and again.json()["id"] == first.json()["id"]
