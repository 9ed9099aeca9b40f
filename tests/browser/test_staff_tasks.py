"""Reception's day in the browser: sign in, register a patient, book an
appointment, meet a double booking."""
import uuid

from playwright.sync_api import expect

from .conftest import STAFF, sign_in

DAY = "2031-03-03"


def unique(name):
    return f"{name} {uuid.uuid4().hex[:6]}"


def register_doctor(page, name, specialty="Cardiology"):
    page.goto("/doctors/")
    form = page.locator("form", has=page.get_by_role("button", name="Register doctor"))
    form.get_by_label("Name").fill(name)
    form.get_by_label("Specialty").fill(specialty)
    form.get_by_role("button", name="Register doctor").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Dr {name}")


def book(page, doctor, specialty, time):
    form = page.locator("form", has=page.get_by_role("button", name="Book appointment"))
    form.get_by_label("Doctor").select_option(label=f"{doctor} — {specialty}")
    form.get_by_label("Day").fill(DAY)
    form.get_by_label("Time").fill(time)
    form.get_by_label("Duration (minutes)").fill("30")
    form.get_by_role("button", name="Book appointment").click()


def pick_patient(page, search, index=1):
    """The booking form's picker lists nobody until a search: find, then choose."""
    form = page.locator("form", has=page.get_by_role("button", name="Book appointment"))
    form.get_by_label("Find by name or phone").fill(search)
    form.get_by_role("button", name="Find", exact=True).click()
    expect(form.get_by_label("Patient", exact=True).locator("option")).not_to_have_count(1)
    form.get_by_label("Patient", exact=True).select_option(index=index)


def test_signing_in_opens_the_dashboard(new_page):
    page = new_page()
    page.goto("/patients/")
    expect(page).to_have_url("/accounts/login/?next=/patients/")
    sign_in(page, (STAFF[0], "wrong password"))
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username and password")
    sign_in(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Today")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Appointments")


def test_register_a_patient_and_book_an_appointment(staff_page):
    page = staff_page
    doctor, patient = unique("Ada Lovelace"), unique("Grace Hopper")
    register_doctor(page, doctor)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients").click()
    form = page.locator("form", has=page.get_by_role("button", name="Register patient"))
    form.get_by_label("Name").fill(patient)
    form.get_by_label("Date of birth").fill("1980-12-09")
    form.get_by_label("Date of birth").press("Enter")   # keyboard alone submits the form
    expect(page.locator(".messages").get_by_role("status")).to_contain_text(f"{patient} registered.")
    expect(page.get_by_role("heading", level=1)).to_have_text(patient)

    page.get_by_role("link", name=f"Book an appointment for {patient}").click()
    expect(page.get_by_label("Patient", exact=True)).to_have_value(page.url.split("patient=")[1].split("#")[0])
    book(page, doctor, "Cardiology", "09:30")

    expect(page.locator(".messages").get_by_role("status")).to_contain_text("Appointment booked.")
    details = page.locator("dl.facts")
    expect(details).to_contain_text("booked")
    expect(details).to_contain_text("Monday 3 March 2031")
    expect(details).to_contain_text("09:30 for 30 minutes")
    expect(details).to_contain_text(f"{patient}, ")
    expect(details).to_contain_text("years old")
    expect(details).to_contain_text(f"Dr {doctor}, Cardiology")


def test_a_double_booking_shows_the_conflict(staff_page):
    page = staff_page
    doctor = unique("Joseph Lister")
    register_doctor(page, doctor, "Surgery")
    page.goto("/appointments/")
    pick_patient(page, "a", index=1)
    book(page, doctor, "Surgery", "10:00")
    expect(page.locator(".messages").get_by_role("status")).to_contain_text("Appointment booked.")

    page.goto("/appointments/")
    pick_patient(page, "a", index=2)
    book(page, doctor, "Surgery", "10:15")
    # The refusal is beside the time it is about, and the page stays on the day
    # asked for (not today), where the 10:00 booking it clashes with is listed.
    time = page.get_by_label("Time")
    expect(page.locator("#id_time_error")).to_have_text(f"Dr {doctor} is already booked from 10:00 to 10:30.")
    expect(time).to_have_attribute("aria-invalid", "true")
    expect(time).to_have_value("10:15")   # nothing typed is lost
    expect(page.get_by_role("heading", level=1)).to_contain_text("Monday 3 March 2031")
    expect(page.locator("#appointments-live")).to_contain_text(f"{doctor}")


def test_search_for_a_patient_keeps_the_name_out_of_the_address_and_back_works(staff_page):
    page = staff_page
    patient = unique("Mary Seacole")
    page.goto("/patients/")
    form = page.locator("form", has=page.get_by_role("button", name="Register patient"))
    form.get_by_label("Name").fill(patient)
    form.get_by_label("Date of birth").fill("1985-11-23")
    form.get_by_role("button", name="Register patient").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(patient)

    page.goto("/patients/")
    page.get_by_role("search").get_by_label("Name").fill(patient.split()[-1])
    page.get_by_role("search").get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name=patient)).to_be_visible()
    expect(page.get_by_text("1 patient", exact=True)).to_be_visible()
    results = page.url
    assert "/patients/?search=" in results and patient.split()[-1] not in results and "Seacole" not in results

    page.get_by_role("link", name=patient).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(patient)
    page.go_back()
    expect(page).to_have_url(results)
    expect(page.get_by_role("link", name=patient)).to_be_visible()
    expect(page.get_by_role("search").get_by_label("Name")).to_have_value(patient.split()[-1])
