"""The staff pages as a manager reaches them, for the tests that look at every
page (accessibility, phone width): the records come from the seeded data."""


def links(page, selector):
    found = page.locator(selector)
    return [found.nth(i).get_attribute("href") for i in range(found.count())]


def first_link(page, path, under):
    page.goto(path)
    return page.locator(under).first.get_attribute("href")


def staff_pages(page):
    """Every staff page, with a record of each kind: a doctor, a patient, one of
    the patient's appointments, the doctor's history and the patient's read audit."""
    doctor = first_link(page, "/doctors/", "main tbody a")
    patient = first_link(page, "/patients/", "main tbody a")
    appointment = first_link(page, patient, "main tbody a[href^='/appointments/']")
    doctor_id, patient_id = doctor.strip("/").split("/")[-1], patient.strip("/").split("/")[-1]
    return ["/", "/doctors/", doctor, f"{doctor}timesheet/", f"{doctor}week/", "/patients/", patient,
            "/appointments/", appointment, "/day/", "/book/", "/events/", f"/events/streams/{doctor_id}/",
            f"/audit/?patient={patient_id}"]
