"""Booking from a free slot: the booking page, its patient picker (never every
patient), the type-ahead's endpoint, and a refused booking that keeps its day."""
import datetime

import pytest

from clinic.audit.models import PatientRead
from clinic.roles.accounts import enrol
from clinic.roles.rules import Role
from events import handlers
from events.domain.commands import BookAppointment, RegisterPatient
from readmodels.models import Appointment

from .conftest import text


@pytest.fixture
def others(ctx):
    """Two more patients, neither named like Grace Hopper."""
    return [handlers.dispatch(ctx, RegisterPatient(name=name, date_of_birth=datetime.date(1970, 1, 1))).id
            for name in ("Alan Turing", "Edsger Dijkstra")]


def slot(doctor, **changes):
    return {"doctor": str(doctor), "day": "2031-03-03", "time": "10:00", "duration_minutes": "30", **changes}


def test_a_free_slots_link_fills_in_the_form_and_lists_no_patient(staff, doctor, patient, others):
    response = staff.get(f"/book/?doctor={doctor}&day=2031-03-03&time=10:00")
    html, page = response.content.decode(), text(response)
    assert response.status_code == 200
    assert 'value="2031-03-03"' in html and 'value="10:00"' in html
    assert f'<option value="{doctor}" selected>' in html
    assert "Grace Hopper" not in page and "Alan Turing" not in page and "Find a patient first" in page
    assert not PatientRead.objects.exists()


def test_find_lists_only_the_patients_the_search_matches_and_audits_only_them(staff, doctor, patient, others):
    response = staff.post("/book/", {**slot(doctor), "find": "hopp", "find-patient": "1"})
    html, page = response.content.decode(), text(response)
    assert response.status_code == 200
    assert "Grace Hopper (born 09 Dec 1980)" in page
    assert "Alan Turing" not in page and "Edsger Dijkstra" not in page
    assert "1 patient to choose from." in page
    assert 'value="10:00"' in html and 'value="hopp"' in html  # nothing typed is lost
    assert not Appointment.objects.exists()  # a search books nothing
    assert list(PatientRead.objects.values_list("view", "patient_id")) == [("web:book POST", patient)]


def test_the_list_pages_booking_form_no_longer_names_every_patient(staff, doctor, patient, others):
    page = text(staff.get("/appointments/?day=2031-03-03"))
    assert "Book an appointment" in page and "Find by name or phone" in page
    assert "Alan Turing" not in page and "Grace Hopper" not in page
    assert not PatientRead.objects.exists()


def test_a_patients_link_offers_that_patient_alone(staff, doctor, patient, others):
    html = staff.get(f"/book/?patient={patient}").content.decode()
    assert f'<option value="{patient}" selected>Grace Hopper (born 09 Dec 1980)</option>' in html
    assert "Alan Turing" not in html


def test_booking_from_the_page_shows_the_appointment(staff, doctor, patient):
    response = staff.post("/book/", {**slot(doctor), "patient": str(patient)}, follow=True)
    page = text(response)
    assert "Appointment booked." in page
    assert "Day Monday 3 March 2031 Time 10:00 for 30 minutes Patient Grace Hopper" in page


def test_a_refused_booking_keeps_its_day_and_says_why_beside_the_time(staff, ctx, doctor, patient):
    handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=datetime.date(2031, 3, 3),
                                           time=datetime.time(10)))
    response = staff.post("/book/", {**slot(doctor, time="10:15"), "patient": str(patient)})
    html, page = response.content.decode(), text(response)
    assert response.status_code == 409
    assert 'id="id_time_error"' in html and "Dr Ada Lovelace is already booked from 10:00 to 10:30." in page
    assert 'value="2031-03-03"' in html and 'value="10:15"' in html
    assert "Book an appointment Monday 3 March 2031" in page
    assert f'href="/day/?day=2031-03-03&amp;doctor={doctor}"' in html
    # The patient chosen is still chosen, and still the only one offered.
    assert f'<option value="{patient}" selected>' in html


def test_a_search_that_matches_many_offers_a_few_and_asks_for_more(staff, ctx, doctor):
    for n in range(14):
        handlers.dispatch(ctx, RegisterPatient(name=f"Mary Smith {n:02d}", date_of_birth=datetime.date(1990, 1, 1)))
    page = text(staff.post("/book/", {**slot(doctor), "find": "smith", "find-patient": "1"}))
    assert page.count("Mary Smith") == 10
    assert "type more of the name to narrow" in page


def test_the_type_ahead_answers_the_matches_as_json(staff, patient, others):
    answer = staff.post("/book/patients/", {"find": "dijk"}).json()
    assert [p["label"] for p in answer["patients"]] == ["Edsger Dijkstra (born 01 Jan 1970)"]
    assert staff.post("/book/patients/", {"find": "  "}).json() == {"patients": []}
    assert staff.get("/book/patients/?find=dijk").status_code == 405  # a name never goes in a URL


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.MANAGER])
def test_the_desk_finds_book_in_the_navigation_on_every_page(client, committed_db, role):
    client.force_login(enrol(f"desk-{role}", role, "pw-not-for-real-8")[0])
    for page in ("/", "/appointments/", "/patients/"):
        html = client.get(page).content.decode()
        assert '<a href="/book/">Book</a>' in html or '<a href="/book/" aria-current="page">Book</a>' in html
    assert '<a href="/book/" aria-current="page">Book</a>' in client.get("/book/").content.decode()


def test_a_clinician_may_not_book_or_search_here(client, clinician):
    client.force_login(clinician)
    assert client.get("/book/").status_code == 403
    assert client.post("/book/patients/", {"find": "Grace"}).status_code == 403
    assert "Book" not in [link.strip() for link in text(client.get("/")).split("Event log")[0].split()]
