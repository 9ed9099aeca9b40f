"""A manager corrects, retires and sets the working hours of a doctor from the
doctor's page: each form is a command (POST with CSRF), refused input is told
beside its field in words, and the page the form redirects to already shows
the change (read-your-writes)."""
import re
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from events import handlers
from events.domain.commands import Arrive, SetWorkingHours
from readmodels.models import Doctor

from .conftest import text

WEEK = {"monday": "08:00-12:00, 13:00-18:00", "tuesday": "", "wednesday": "09:00-24:00", "thursday": "",
        "friday": "", "saturday": "", "sunday": ""}


def field_errors(response, field):
    """The errors shown beside ``field``: Django renders them in the field's own group, before the input."""
    body = response.content.decode()
    group = re.search(rf'<div class="field invalid">(?:(?!<div class="field).)*?name="{field}"', body, re.S)
    return text(SimpleNamespace(content=group.group(0).encode())) if group else ""


def test_the_forms_are_shown_to_a_manager_with_the_doctor_as_it_is(staff, doctor):
    page = staff.get(f"/doctors/{doctor}/").content.decode()
    assert f'action=\"/doctors/{doctor}/edit/\"' in page and 'value="Ada Lovelace"' in page
    assert f'action=\"/doctors/{doctor}/working-hours/\"' in page
    assert f'action=\"/doctors/{doctor}/retirement/\"' in page
    assert 'name="monday" value="08:00-18:00"' in page  # the clinic's default week until set


def test_correcting_a_name_shows_it_at_once(staff, doctor):
    response = staff.post(f"/doctors/{doctor}/edit/", {"name": "Ada King", "specialty": "Cardiology"}, follow=True)
    assert response.redirect_chain == [(f"/doctors/{doctor}/", 302)]
    assert "Dr Ada King saved." in text(response)
    assert "<h1>Dr Ada King" in response.content.decode()
    assert Doctor.objects.get(pk=doctor).name == "Ada King"


def test_an_empty_name_is_refused_beside_the_name(staff, doctor):
    response = staff.post(f"/doctors/{doctor}/edit/", {"name": "", "specialty": "Cardiology"})
    assert response.status_code == 400
    assert "This field is required." in field_errors(response, "name")
    assert 'aria-invalid="true"' in response.content.decode()
    assert Doctor.objects.get(pk=doctor).name == "Ada Lovelace"


def test_setting_working_hours_shows_them_in_words(staff, doctor):
    response = staff.post(f"/doctors/{doctor}/working-hours/", WEEK, follow=True)
    assert response.redirect_chain == [(f"/doctors/{doctor}/", 302)]
    page = text(response)
    assert "Working hours saved." in page
    assert "Monday 08:00 to 12:00 and 13:00 to 18:00 Tuesday Day off Wednesday 09:00 to 24:00" in page
    assert 'name="monday" value="08:00-12:00, 13:00-18:00"' in response.content.decode()
    assert [(b.weekday, f"{b.start:%H:%M}") for b in Doctor.objects.get(pk=doctor).working_hours.all()] == [
        (0, "08:00"), (0, "13:00"), (2, "09:00")]


@pytest.mark.parametrize(("monday", "told"), [
    ("08:00-12:00, 11:00-18:00", "On Monday the blocks 08:00 to 12:00 and 11:00 to 18:00 overlap."),
    ("12:00-09:00", "On Monday the block from 12:00 must end after it starts, not at 09:00."),
    ("eight to noon",
     'Give Monday\'s hours as start-end times on the clock, e.g. 08:00-12:00; "eight to noon" is not one.'),
])
def test_bad_hours_are_refused_in_words_beside_the_day(staff, doctor, monday, told):
    response = staff.post(f"/doctors/{doctor}/working-hours/", {**WEEK, "monday": monday})
    assert response.status_code == 400
    assert told in field_errors(response, "monday")
    assert f'name="monday" value="{monday}"' in response.content.decode().replace("&#x27;", "'")
    assert not Doctor.objects.get(pk=doctor).hours_set  # nothing written


def test_retiring_a_doctor_says_so_and_hides_the_retire_form(staff, doctor):
    response = staff.post(f"/doctors/{doctor}/retirement/", {"reason": "Moved away"}, follow=True)
    assert response.redirect_chain == [(f"/doctors/{doctor}/", 302)]
    assert "Retired: no longer booked, no longer arriving" in text(response)
    assert f'action=\"/doctors/{doctor}/retirement/\"' not in response.content.decode()
    assert Doctor.objects.get(pk=doctor).retired


def test_a_doctor_on_shift_is_not_retired_and_the_form_says_why(staff, ctx, doctor):
    handlers.dispatch(ctx, Arrive(doctor, at=timezone.now()))
    response = staff.post(f"/doctors/{doctor}/retirement/", {"reason": ""})
    assert response.status_code == 409
    assert re.search(r'<div class="form-message" role="alert" tabindex="-1">\s*<p>Dr Ada Lovelace is on shift; '
                     r"record the departure first.</p>", response.content.decode())
    assert not Doctor.objects.get(pk=doctor).retired


@pytest.mark.parametrize("who", ["receptionist", "clinician"])
def test_only_a_manager_sees_or_sends_the_forms(request, client, doctor, who):
    client.force_login(request.getfixturevalue(who))
    page = client.get(f"/doctors/{doctor}/").content.decode()
    assert "/edit/" not in page and "/working-hours/" not in page and "/retirement/" not in page
    assert client.post(f"/doctors/{doctor}/edit/", {"name": "X", "specialty": "Y"}).status_code == 403
    assert client.post(f"/doctors/{doctor}/working-hours/", WEEK).status_code == 403
    assert client.post(f"/doctors/{doctor}/retirement/", {}).status_code == 403
    assert Doctor.objects.get(pk=doctor).name == "Ada Lovelace"


def test_the_forms_need_the_csrf_token(staff_user, doctor):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff_user)
    assert browser.post(f"/doctors/{doctor}/edit/", {"name": "Ada King", "specialty": "Cardiology"}).status_code == 403
    assert Doctor.objects.get(pk=doctor).name == "Ada Lovelace"


def test_hours_already_set_are_shown_in_the_form(staff, ctx, doctor):
    handlers.dispatch(ctx, SetWorkingHours(doctor, weekly=({"weekday": 4, "start": "07:30", "end": "15:00"},)))
    page = staff.get(f"/doctors/{doctor}/").content.decode()
    assert 'name="friday" value="07:30-15:00"' in page
    assert '<input type="text" name="monday" autocomplete="off"' in page  # a day off: no value
