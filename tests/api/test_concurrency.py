"""Eight receptionists click "book" for the same slot at the same moment."""
import json
import threading
import urllib.error
import urllib.request

from clinic.signin import tokens
from events.models import StoredEvent
from readmodels.models import Appointment

CLIENTS = 8


def _post(url, token, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Authorization": f"Token {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_eight_concurrent_requests_for_one_slot_give_one_booking(committed_db, live_server, staff_user,
                                                                 doctor, patient):
    token, _ = tokens.issue(staff_user)
    body = {"doctorId": str(doctor), "patientId": str(patient), "day": "2030-01-07", "time": "10:00"}
    start = threading.Barrier(CLIENTS)
    statuses = []

    def book(minute):
        start.wait()
        statuses.append(_post(f"{live_server.url}/api/appointments/", token,
                              {**body, "time": f"10:{minute:02d}"}))

    at_once(book, [(n % 3 * 10,) for n in range(CLIENTS)])

    assert sorted(statuses) == [201] + [409] * (CLIENTS - 1)
    assert Appointment.objects.count() == 1
    assert StoredEvent.objects.filter(type="APPOINTMENT_CREATED").count() == 1


def test_one_patient_booked_with_two_doctors_at_once_gives_one_booking(committed_db, live_server, staff_user,
                                                                      doctor, patient, ctx):
    """Two doctors' days are two streams; the patient's day is the one they share,
    written in the same append, so exactly one of the two bookings wins."""
    from events import handlers
    from events.domain.commands import RegisterDoctor

    other = handlers.dispatch(ctx, RegisterDoctor(name="Bo Ng", specialty="Dermatology")).id
    token, _ = tokens.issue(staff_user)
    start = threading.Barrier(CLIENTS)
    statuses = []

    def book(with_doctor):
        start.wait()
        statuses.append(_post(f"{live_server.url}/api/appointments/", token, {
            "doctorId": str(with_doctor), "patientId": str(patient), "day": "2030-01-07", "time": "10:00"}))

    at_once(book, [((doctor, other)[n % 2],) for n in range(CLIENTS)])

    assert sorted(statuses) == [201] + [409] * (CLIENTS - 1)
    assert Appointment.objects.count() == 1
    assert StoredEvent.objects.filter(type="APPOINTMENT_CREATED").count() == 1


def at_once(send, arguments):
    """One thread per arguments, each sending its request; wait for all of them."""
    threads = [threading.Thread(target=send, args=args) for args in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
