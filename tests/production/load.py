"""A clinic under load: one writer process issuing random commands through the
real command layer until its time is up, then printing what was accepted.

    python -m tests.production.load --seconds 10 --seed 3 --doctors ID,ID --patients ID,ID

Writers share the doctors and patients they are given, so they contend for the
same schedules; each also registers, renames and books on its own.
"""
import argparse
import datetime
import json
import os
import random
import time
from collections import Counter

from events.domain.commands import (
    Arrive,
    BookAppointment,
    CancelAppointment,
    Leave,
    RegisterDoctor,
    RegisterPatient,
    UpdatePatient,
)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--doctors", required=True)
    parser.add_argument("--patients", required=True)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.db import transaction

    from events import handlers
    from events.domain.errors import DomainError

    rng = random.Random(args.seed)
    ctx = handlers.Context(actor=f"writer-{args.seed}", source="seed")
    doctors = args.doctors.split(",")
    patients = args.patients.split(",")
    own_doctor = handlers.dispatch(ctx, RegisterDoctor(name=f"Writer {args.seed}", specialty="Load")).id
    on_shift, booked, accepted, refused = False, [], Counter(), Counter()
    deadline = time.monotonic() + args.seconds

    def attempt(kind, command):
        try:
            with transaction.atomic():
                result = command()
        except DomainError as error:
            refused[type(error).__name__] += 1
            return None
        accepted[kind] += 1
        return result

    while time.monotonic() < deadline:
        roll = rng.random()
        if roll < 0.55:
            day = datetime.date(2031, 1, 1) + datetime.timedelta(days=rng.randrange(20))
            slot = datetime.time(8 + rng.randrange(10), rng.choice([0, 15, 30, 45]))
            written = attempt("booked", lambda day=day, slot=slot: handlers.dispatch(ctx, BookAppointment(
                doctor_id=rng.choice(doctors), patient_id=rng.choice(patients), day=day, time=slot,
                duration_minutes=rng.choice([15, 30]))))
            if written:
                booked.append(written.id)
        elif roll < 0.65 and booked:
            attempt("cancelled", lambda: handlers.dispatch(
                ctx, CancelAppointment(booked.pop(rng.randrange(len(booked))), reason="load")))
        elif roll < 0.85:
            if on_shift:
                on_shift = not attempt("left", lambda: handlers.dispatch(ctx, Leave(own_doctor)))
            else:
                on_shift = bool(attempt("arrived", lambda: handlers.dispatch(ctx, Arrive(own_doctor))))
        elif roll < 0.92:
            patients.append(str(attempt("registered", lambda: handlers.dispatch(ctx, RegisterPatient(
                name=f"Patient {args.seed}-{len(patients)}", date_of_birth=datetime.date(1980, 1, 1)))).id))
        else:
            attempt("renamed", lambda: handlers.dispatch(ctx, UpdatePatient(
                rng.choice(patients), name=f"Renamed {rng.randrange(10**6)}")))
    print(json.dumps({"accepted": accepted, "refused": refused}))


if __name__ == "__main__":
    main()
