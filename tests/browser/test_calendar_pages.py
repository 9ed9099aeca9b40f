"""The front desk's calendar in the browser: booking a free slot of a doctor's
week with the patient picker, rescheduling and checking in from the day sheet,
and the day sheet as printed. Screenshots go to test-artifacts/."""
import re
import uuid

import requests
from playwright.sync_api import expect

from .conftest import ARTIFACTS, STAFF

DAY = "2031-03-03"  # a Monday: inside the default week of a new doctor
ALL_DAY = [{"weekday": weekday, "start": "00:00", "end": "24:00"} for weekday in range(7)]


def unique(name):
    return f"{name} {uuid.uuid4().hex[:6]}"


def api(server):
    """A requests session with the staff user's API token, for setting the scene."""
    session = requests.Session()
    token = session.post(f"{server.url}/api/auth/token/", json={"username": STAFF[0], "password": STAFF[1]},
                         timeout=10).json()["token"]
    session.headers["Authorization"] = f"Token {token}"
    return session


def new_doctor_and_patient(server, *, all_day=False):
    session = api(server)
    doctor = session.post(f"{server.url}/api/doctors/", json={"name": unique("Ada Lovelace"),
                                                              "specialty": "Cardiology"}, timeout=10).json()
    patient = session.post(f"{server.url}/api/patients/", json={"name": unique("Grace Hopper"),
                                                                "dateOfBirth": "1980-12-09"}, timeout=10).json()
    if all_day:
        answer = session.put(f"{server.url}/api/doctors/{doctor['id']}/working-hours/", json={"weekly": ALL_DAY},
                             timeout=10)
        assert answer.status_code == 200, answer.text
    return session, doctor, patient


def book(session, server, doctor, patient, day, time, minutes=30):
    answer = session.post(f"{server.url}/api/appointments/", json={
        "doctorId": doctor["id"], "patientId": patient["id"], "day": day, "time": time, "durationMinutes": minutes},
        timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()


def shoot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_book_a_free_slot_of_the_week_with_the_patient_picker(staff_page, server):
    page = staff_page
    _, doctor, patient = new_doctor_and_patient(server)
    page.goto(f"/doctors/{doctor['id']}/week/?week={DAY}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("week of Monday 3 March 2031")
    table = page.get_by_role("table", name=re.compile(r"Monday to Sunday"))
    expect(table.get_by_role("columnheader", name="Sat 8 Mar")).to_be_visible()
    expect(table.get_by_role("cell", name="closed").first).to_be_attached()  # the weekend, said in words

    table.get_by_role("link", name="Book 10:00 with Dr " + doctor["name"] + " on Monday 3 March").click()
    form = page.locator("form", has=page.get_by_role("button", name="Book appointment"))
    expect(form.get_by_label("Day")).to_have_value(DAY)
    expect(form.get_by_label("Time")).to_have_value("10:00")
    picker = form.get_by_label("Patient", exact=True)
    expect(picker.locator("option")).to_have_count(1)  # nobody listed before a search
    form.get_by_label("Find by name or phone").press_sequentially(patient["name"].split()[-1], delay=20)
    expect(picker.locator("option", has_text=patient["name"])).to_have_count(1)  # the type-ahead found them
    expect(form.locator("[data-picker-status]")).to_have_text("1 patient found.")
    picker.select_option(label=f"{patient['name']} (born 09 Dec 1980)")
    form.get_by_label("Duration (minutes)").press("Enter")  # Enter books, though Find comes first in the form

    expect(page.locator(".messages").get_by_role("status")).to_contain_text("Appointment booked.")
    details = page.locator("dl.facts")
    expect(details).to_contain_text("10:00 for 30 minutes")
    expect(details).to_contain_text(patient["name"])
    page.goto(f"/doctors/{doctor['id']}/week/?week={DAY}")
    expect(page.get_by_role("link", name=f"10:00 {patient['name']}")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"^Book 10:00 with .* on Monday 3 March"))).to_have_count(0)
    shoot(page, "week-calendar.png")


def test_reschedule_from_the_day_sheet(staff_page, server):
    page = staff_page
    session, doctor, patient = new_doctor_and_patient(server)
    book(session, server, doctor, patient, DAY, "10:00")
    page.goto(f"/day/?day={DAY}&doctor={doctor['id']}")
    sheet = page.get_by_role("table", name="Appointments on Monday 3 March 2031")
    expect(sheet.get_by_role("link", name=f"10:00 {patient['name']}")).to_be_visible()
    shoot(page, "day-sheet.png")

    sheet.get_by_text(f"Reschedule {patient['name']}").click()
    cell = sheet.get_by_role("cell", name=re.compile(f"10:00 {patient['name']}"))
    cell.get_by_label("Time").fill("11:30")
    cell.get_by_role("button", name="Move appointment").click()

    expect(page.locator(".messages").get_by_role("status")).to_contain_text(
        "Appointment moved to Monday 3 March 2031 at 11:30.")
    expect(page).to_have_url(re.compile(rf"/day/\?day={DAY}&doctor={doctor['id']}$"))
    sheet = page.get_by_role("table", name="Appointments on Monday 3 March 2031")
    expect(sheet.get_by_role("link", name=f"11:30 {patient['name']}")).to_be_visible()
    expect(sheet.get_by_role("link", name=f"10:00 {patient['name']}")).to_have_count(0)


# Check-in is only on the appointment's day, and a booking only for a time to come:
# booked as if at midnight, the appointment is today's at any hour the test runs.
BOOKED_AT_MIDNIGHT = """
import datetime, uuid
from django.utils import timezone
from events import handlers
from events.domain.commands import BookAppointment
today = timezone.localdate()
midnight = timezone.make_aware(datetime.datetime.combine(today, datetime.time(0, 0)))
handlers.dispatch(handlers.Context(actor="test", source="seed", now=midnight - datetime.timedelta(minutes=1)),
                  BookAppointment(doctor_id=uuid.UUID("{doctor}"), patient_id=uuid.UUID("{patient}"), day=today,
                                  time=datetime.time(0, 0), duration_minutes=15))
"""


def test_check_in_from_the_day_sheet(staff_page, server):
    page = staff_page
    session, doctor, patient = new_doctor_and_patient(server, all_day=True)
    server.shell(BOOKED_AT_MIDNIGHT.format(doctor=doctor["id"], patient=patient["id"]))
    page.goto(f"/day/?doctor={doctor['id']}")

    sheet = page.get_by_role("table", name=re.compile(r"^Appointments on "))
    expect(sheet.locator(".now-mark")).to_have_count(1)  # today's sheet marks now, in words
    sheet.get_by_role("button", name=f"Check in {patient['name']}").click()
    expect(page.locator(".messages").get_by_role("status")).to_contain_text("Checked in.")
    cell = page.get_by_role("cell", name=re.compile(f"00:00 {patient['name']}"))
    expect(cell).to_contain_text("checked in")
    expect(cell.get_by_role("button", name=re.compile("Check in"))).to_have_count(0)


def test_the_printed_day_sheet_fits_the_page_with_nothing_to_click(new_page, server):
    from .conftest import sign_in

    session, doctor, patient = new_doctor_and_patient(server)
    book(session, server, doctor, patient, DAY, "09:00")
    page = new_page(width=1032, height=1400)  # A4 landscape less the page's margins, in CSS pixels
    sign_in(page)
    page.wait_for_url("**/")
    page.goto(f"/day/?day={DAY}")
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.get_by_role("button", name=re.compile("Check in|No-show|Show"))).to_have_count(0)
    expect(page.locator("form:visible")).to_have_count(0)
    sheet = page.get_by_role("table", name="Appointments on Monday 3 March 2031")
    expect(sheet.get_by_role("columnheader", name=re.compile(doctor["name"]))).to_be_visible()
    clipped = sheet.evaluate("t => t.scrollWidth > t.parentElement.clientWidth || "
                             "t.getBoundingClientRect().right > document.documentElement.clientWidth")
    assert not clipped, "a column of the printed day sheet runs off the page"
    shoot(page, "day-sheet-print.png")
