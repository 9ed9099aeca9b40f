"""A separate process for ``test_concurrency``: the embedded mode as several web
processes would run it, against one SQLite file (DATABASE_URL in the environment).

    python booking_worker.py seed         -> prints {"doctor": …, "patient": …}
    python booking_worker.py book D P     -> prints "ready", waits for a line on stdin,
                                             books D/P for 2030-01-07 09:00, prints the outcome
"""
import json
import os
import sys

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

import django

django.setup()

# E402: the app's modules below can only be imported once django.setup() has run.
import datetime  # noqa: E402

from events import handlers  # noqa: E402
from events.domain.commands import BookAppointment, RegisterDoctor, RegisterPatient  # noqa: E402
from events.domain.errors import Conflict  # noqa: E402


def main(mode, *args):
    ctx = handlers.Context(actor="worker", source="seed")
    if mode == "seed":
        doctor = handlers.dispatch(ctx, RegisterDoctor(name="Ada Lovelace", specialty="Cardiology")).id
        patient = handlers.dispatch(ctx, RegisterPatient(name="Grace Hopper",
                                                         date_of_birth=datetime.date(1980, 12, 9))).id
        print(json.dumps({"doctor": str(doctor), "patient": str(patient)}), flush=True)
        return
    doctor, patient = args
    print("ready", flush=True)
    sys.stdin.readline()
    try:
        written = handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient,
                                            day=datetime.date(2030, 1, 7), time=datetime.time(9, 0)))
        print(json.dumps({"booked": str(written.id)}), flush=True)
    except Conflict as refused:
        print(json.dumps({"refused": type(refused).__name__}), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
