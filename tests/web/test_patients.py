"""Patients: search by name, register, see age and appointments, correct details."""
import datetime
import re

from django.contrib.auth import get_user_model
from django.utils import timezone

from events import handlers
from events.domain.commands import RegisterPatient
from readmodels.models import Patient

from .conftest import text


def search(staff, query):
    """Search as the form does (posted), following it to the list it shows."""
    return staff.post("/patients/search/", {"q": query}, follow=True)


def test_search_finds_patients_by_part_of_their_name(staff, ctx, patient):
    handlers.dispatch(ctx, RegisterPatient(name="Alan Turing", date_of_birth=datetime.date(1912, 6, 23)))
    response = search(staff, "hopp")
    page = text(response)
    assert "Grace Hopper" in page and "Alan Turing" not in page
    assert "1 patient" in page
    assert 'value="hopp"' in response.content.decode()  # the box still says what was searched


def test_a_search_that_finds_nobody_says_so(staff, patient):
    assert "No patient's name contains “Lovelace”." in text(search(staff, "Lovelace"))


def test_a_searched_name_is_never_in_a_url(staff, ctx, patient):
    """Not in the address the browser keeps in its history, nor in the request line
    a server or proxy logs; the search form is posted."""
    response = search(staff, "Grace Hopper")
    [(url, status)] = response.redirect_chain
    assert status == 303 and url.startswith("/patients/?search=")
    assert "Grace" not in url and "Hopper" not in url
    listing = staff.get("/patients/").content.decode()
    form = re.search(r'<form method="(\w+)" action="([^"]+)"[^>]*role="search"', listing)
    assert form.groups() == ("post", "/patients/search/")
    # The list at that URL is the search's, again and again (reload, back, forward).
    assert "1 patient" in text(staff.get(url)) and "Grace Hopper" in text(staff.get(url))


def test_the_results_of_a_search_page_and_go_back(staff, ctx, patient):
    for n in range(30):
        handlers.dispatch(ctx, RegisterPatient(name=f"Patient {n:02d}", date_of_birth=datetime.date(1990, 1, 1)))
    first = search(staff, "patient")
    [(url, _)] = first.redirect_chain
    assert "30 patients · page 1 of 2" in text(first) and "Grace" not in text(first)
    next_link = re.search(r'href="\?([^"]+)" rel="next"', first.content.decode()).group(1).replace("&amp;", "&")
    assert "patient" not in next_link.lower().replace("search=", "")
    second = text(staff.get(f"/patients/?{next_link}"))
    assert "page 2 of 2" in second and "Patient 29" in second and "Grace" not in second
    assert "page 1 of 2" in text(staff.get(url))  # back


def test_a_link_with_the_name_in_it_still_searches_and_takes_the_name_out(staff, patient):
    response = staff.get("/patients/?q=hopp", follow=True)
    [(url, _)] = response.redirect_chain
    assert "hopp" not in url and "Grace Hopper" in text(response)


def test_a_search_of_another_session_is_not_shown(staff, patient, ctx):
    handlers.dispatch(ctx, RegisterPatient(name="Alan Turing", date_of_birth=datetime.date(1912, 6, 23)))
    [(url, _)] = search(staff, "hopp").redirect_chain
    staff.logout()
    staff.force_login(get_user_model().objects.get(username="reception"))
    page = text(staff.get(url))
    assert "That search is no longer kept; search again." in page
    assert "Alan Turing" in page  # the whole list, as without a search


def test_an_empty_search_shows_everyone(staff, patient):
    response = staff.post("/patients/search/", {"q": "  "})
    assert response.status_code == 302 and response["Location"] == "/patients/"


def test_the_list_pages_through_many_patients(staff, ctx):
    for n in range(30):
        handlers.dispatch(ctx, RegisterPatient(name=f"Patient {n:02d}", date_of_birth=datetime.date(1990, 1, 1)))
    first = text(staff.get("/patients/"))
    assert "30 patients · page 1 of 2" in first and "Patient 24" in first and "Patient 25" not in first
    second = text(staff.get("/patients/?page=2"))
    assert "Patient 25" in second and "Patient 29" in second


def test_registering_a_patient_opens_their_page_with_their_age(staff):
    born = timezone.localdate().replace(year=timezone.localdate().year - 40) - datetime.timedelta(days=1)
    response = staff.post("/patients/", {"name": "Alan Turing", "date_of_birth": born.isoformat()}, follow=True)
    patient = Patient.objects.get()
    assert response.redirect_chain == [(f"/patients/{patient.id}/", 302)]
    page = text(response)
    assert "Alan Turing registered." in page
    assert "Age 40" in page


def test_a_likely_duplicate_is_refused_beside_the_name_until_the_form_says_it_is_another_person(staff, patient):
    twin = {"name": " grace  HOPPER ", "date_of_birth": "1980-12-09"}  # the fixture's patient, typed again
    refused = staff.post("/patients/", twin)
    assert refused.status_code == 409
    assert 'id="id_name_error"' in refused.content.decode()
    assert "Grace Hopper, born 9 December 1980, is already registered" in text(refused)
    assert Patient.objects.count() == 1

    response = staff.post("/patients/", {**twin, "allow_duplicate": "on"}, follow=True)
    assert "registered." in text(response) and Patient.objects.count() == 2


def test_a_date_of_birth_in_the_future_is_shown_beside_the_field(staff):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = staff.post("/patients/", {"name": "Alan Turing", "date_of_birth": tomorrow.isoformat()})
    assert response.status_code == 400
    assert 'id="id_date_of_birth_error"' in response.content.decode()
    assert "The date of birth cannot be in the future." in text(response)
    assert not Patient.objects.exists()


def test_correcting_a_name_shows_it_everywhere_at_once(staff, patient, appointment):
    response = staff.post(f"/patients/{patient}/", {"name": "Grace Brewster Hopper", "date_of_birth": "1980-12-09"},
                          follow=True)
    assert "Patient details saved." in text(response)
    assert "Grace Brewster Hopper" in text(staff.get(f"/appointments/{appointment}/"))


def test_the_patient_page_lists_their_appointments_and_offers_booking(staff, patient, appointment):
    page = text(staff.get(f"/patients/{patient}/"))
    assert "Mon 7 Jan 2030 09:00 30 min Ada Lovelace Cardiology booked" in page
    assert "Book an appointment for Grace Hopper" in page
    booking = staff.get(f"/appointments/?patient={patient}").content.decode()
    assert f'<option value="{patient}" selected>Grace Hopper' in booking


def test_an_edit_form_starts_with_the_current_details(staff, patient):
    body = staff.get(f"/patients/{patient}/").content.decode()
    assert 'value="Grace Hopper"' in body and 'value="1980-12-09"' in body
