"""The role matrix: every endpoint and staff page × every role → allowed or refused.

``DOORS`` is the one table. Each row is a way in (a URL name, a method, which
record its URL names, a body) and the roles it lets in; the test is generated
from it. Allowed means anything but 403 (200, a redirect, a 404 or 409 of the
command itself); refused means 403, with the API's error body on the API.
``test_every_url_is_in_the_table`` fails for a URL of the API, of the pages or
of operations that has no row, so a new endpoint cannot be forgotten.
"""
import datetime
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from events import handlers
from events.domain.commands import BookAppointment, RegisterDoctor, RegisterPatient
from tests.conftest import api_client_for

RECEPTION, CLINICIAN, MANAGER, NO_ROLE = "reception", "clinician", "manager", "no role"
ROLES = [RECEPTION, CLINICIAN, MANAGER, NO_ROLE]
STAFF = frozenset({RECEPTION, CLINICIAN, MANAGER})
ANYONE = frozenset(ROLES)
DESK = frozenset({RECEPTION, MANAGER})  # the front desk's work: booking, registering patients
ONLY_MANAGER = frozenset({MANAGER})


@dataclass(frozen=True)
class Door:
    name: str
    method: str
    allowed: frozenset[str]
    target: tuple[str, str] | None = None  # (URL argument, record of the world)
    body: Any = field(default=None, compare=False)  # a dict, or a function of the world

    @property
    def id(self):
        return f"{self.method} {self.name}" + (f" {self.target[1]}" if self.target else "")

    def url(self, world):
        return reverse(self.name, kwargs={self.target[0]: world[self.target[1]]} if self.target else None)

    def data(self, world):
        return self.body(world) if callable(self.body) else self.body


def booking(world, *, api):
    if api:
        return {"doctorId": str(world["own doctor"]), "patientId": str(world["own patient"]),
                "day": "2031-03-03", "time": "10:00"}
    return {"doctor": world["own doctor"], "patient": world["own patient"], "day": "2031-03-03", "time": "10:00",
            "duration_minutes": 30}


OWN_DOCTOR, OTHER_DOCTOR = ("pk", "own doctor"), ("pk", "other doctor")
PERIOD = {"from": "2030-01-01", "to": "2030-01-31"}
OWN_PATIENT, OTHER_PATIENT = ("pk", "own patient"), ("pk", "other patient")
OWN_APPOINTMENT, OTHER_APPOINTMENT = ("pk", "own appointment"), ("pk", "other appointment")

DOORS = [
    # --- the API
    Door("api:token", "post", ANYONE, body={"username": "nobody", "password": "wrong"}),
    Door("api:logout", "post", ANYONE),
    Door("api:schema", "get", ANYONE),
    Door("api:docs", "get", ANYONE),
    Door("api:doctors", "get", STAFF),
    Door("api:doctors", "post", ONLY_MANAGER, body={"name": "Rosalind Franklin", "specialty": "Radiology"}),
    Door("api:doctor", "get", STAFF, OWN_DOCTOR),
    Door("api:doctor", "get", STAFF, OTHER_DOCTOR),
    Door("api:doctor-arrivals", "post", STAFF, OWN_DOCTOR, body={}),
    Door("api:doctor-arrivals", "post", DESK, OTHER_DOCTOR, body={}),
    Door("api:doctor-departures", "post", STAFF, OWN_DOCTOR, body={}),
    Door("api:doctor-departures", "post", DESK, OTHER_DOCTOR, body={}),
    Door("api:doctor", "patch", ONLY_MANAGER, OWN_DOCTOR, body={"specialty": "Cardiology"}),
    Door("api:doctor-retirement", "post", ONLY_MANAGER, OTHER_DOCTOR, body={}),
    Door("api:doctor-working-hours", "put", ONLY_MANAGER, OWN_DOCTOR,
         body={"weekly": [{"weekday": 0, "start": "08:00", "end": "18:00"}]}),
    Door("api:doctor-free-slots", "get", STAFF, OTHER_DOCTOR, body={"day": "2031-03-03"}),
    Door("api:doctor-timesheet", "get", frozenset({CLINICIAN, MANAGER}), OWN_DOCTOR, body=PERIOD),
    Door("api:doctor-timesheet", "get", ONLY_MANAGER, OTHER_DOCTOR, body=PERIOD),
    Door("api:patients", "get", STAFF),
    Door("api:patients", "post", DESK, body={"name": "Alan Turing", "dateOfBirth": "1954-06-23"}),
    Door("api:patient", "get", STAFF, OWN_PATIENT),
    Door("api:patient", "get", DESK, OTHER_PATIENT),
    Door("api:patient", "patch", DESK, OWN_PATIENT, body={"name": "Grace B. Hopper"}),
    Door("api:patient-erasure", "post", ONLY_MANAGER, OTHER_PATIENT, body={"reason": "Request 17"}),
    Door("api:appointments", "get", STAFF),
    Door("api:appointments", "post", DESK, body=lambda world: booking(world, api=True)),
    Door("api:appointment", "get", STAFF, OWN_APPOINTMENT),
    Door("api:appointment", "get", DESK, OTHER_APPOINTMENT),
    Door("api:appointment-card", "get", STAFF, OWN_APPOINTMENT),
    Door("api:appointment-card", "get", DESK, OTHER_APPOINTMENT),
    Door("api:appointment-cancel", "post", DESK, OWN_APPOINTMENT, body={"reason": ""}),
    Door("api:appointment-reschedule", "post", DESK, OWN_APPOINTMENT, body={"day": "2031-03-04", "time": "10:00"}),
    Door("api:appointment-check-in", "post", STAFF, OWN_APPOINTMENT, body={}),
    Door("api:appointment-check-in", "post", DESK, OTHER_APPOINTMENT, body={}),
    Door("api:appointment-no-show", "post", STAFF, OWN_APPOINTMENT, body={}),
    Door("api:appointment-no-show", "post", DESK, OTHER_APPOINTMENT, body={}),
    Door("api:events", "get", ONLY_MANAGER),
    Door("api:stream-events", "get", ONLY_MANAGER, ("id", "own doctor")),
    Door("api:audit", "get", ONLY_MANAGER, body=lambda world: {"patient": str(world["own patient"])}),
    # --- GraphQL (clinic.graphql): the API's door, at /graphql; a session here, a token in tests/graphql
    Door("graphql", "get", STAFF),
    Door("graphql", "post", STAFF, body={"query": '{ appointments(day: "2030-01-07") { day patient { name } } }'}),
    # --- operations: health for anyone (a load balancer), metrics for staff with a role (or the metrics token)
    Door("healthz", "get", ANYONE),
    Door("metrics", "get", STAFF),
    # --- the staff pages
    Door("web:login", "get", ANYONE),
    Door("web:logout", "post", ANYONE),
    Door("web:live", "get", STAFF),
    Door("web:dashboard", "get", STAFF),
    Door("web:doctors", "get", STAFF),
    Door("web:doctors", "post", ONLY_MANAGER, body={"name": "Rosalind Franklin", "specialty": "Radiology"}),
    Door("web:doctor", "get", STAFF, OWN_DOCTOR),
    Door("web:doctor", "get", STAFF, OTHER_DOCTOR),
    Door("web:doctor-edit", "post", ONLY_MANAGER, OWN_DOCTOR, body={"name": "Ada King", "specialty": "Cardiology"}),
    Door("web:doctor-working-hours", "post", ONLY_MANAGER, OWN_DOCTOR, body={"monday": "08:00-18:00"}),
    Door("web:doctor-retirement", "post", ONLY_MANAGER, OTHER_DOCTOR, body={}),
    Door("web:doctor-timesheet", "get", frozenset({CLINICIAN, MANAGER}), OWN_DOCTOR, body={"month": "2030-01"}),
    Door("web:doctor-timesheet", "get", ONLY_MANAGER, OTHER_DOCTOR),
    Door("web:doctor-arrival", "post", STAFF, OWN_DOCTOR, body={}),
    Door("web:doctor-arrival", "post", DESK, OTHER_DOCTOR, body={}),
    Door("web:doctor-departure", "post", STAFF, OWN_DOCTOR, body={}),
    Door("web:doctor-departure", "post", DESK, OTHER_DOCTOR, body={}),
    Door("web:patients", "get", STAFF),
    Door("web:patients", "post", DESK, body={"name": "Alan Turing", "date_of_birth": "1954-06-23"}),
    Door("web:patient-search", "post", STAFF, body={"q": "Hopper"}),
    Door("web:patient", "get", STAFF, OWN_PATIENT),
    Door("web:patient", "get", DESK, OTHER_PATIENT),
    Door("web:patient", "post", DESK, OWN_PATIENT, body={"name": "Grace B. Hopper", "date_of_birth": "1980-12-09"}),
    Door("web:patient-erasure", "post", ONLY_MANAGER, OTHER_PATIENT, body={"reason": "Request 17"}),
    Door("web:appointments", "get", STAFF),
    Door("web:appointments", "post", DESK, body=lambda world: booking(world, api=False)),
    Door("web:appointment", "get", STAFF, OWN_APPOINTMENT),
    Door("web:appointment", "get", DESK, OTHER_APPOINTMENT),
    Door("web:appointment-cancel", "post", DESK, OWN_APPOINTMENT, body={"reason": ""}),
    Door("web:appointment-reschedule", "post", DESK, OWN_APPOINTMENT,
         body={"day": "2031-03-04", "time": "10:00", "duration_minutes": ""}),
    Door("web:appointment-check-in", "post", STAFF, OWN_APPOINTMENT, body={}),
    Door("web:appointment-check-in", "post", DESK, OTHER_APPOINTMENT, body={}),
    Door("web:appointment-no-show", "post", STAFF, OWN_APPOINTMENT, body={}),
    Door("web:appointment-no-show", "post", DESK, OTHER_APPOINTMENT, body={"sheet_day": "2030-01-07"}),
    Door("web:doctor-week", "get", STAFF, OWN_DOCTOR),
    Door("web:doctor-week", "get", DESK, OTHER_DOCTOR),
    Door("web:day", "get", STAFF),
    Door("web:book", "get", DESK),
    Door("web:book", "post", DESK, body=lambda world: booking(world, api=False)),
    Door("web:patient-picker", "post", DESK, body={"find": "Hopper"}),
    Door("web:events", "get", ONLY_MANAGER),
    Door("web:stream", "get", ONLY_MANAGER, ("stream_id", "own doctor")),
    Door("web:audit", "get", ONLY_MANAGER, body=lambda world: {"patient": str(world["own patient"])}),
]


@pytest.fixture
def world(ctx, doctor, patient, appointment):
    """The clinician's own doctor, patient and appointment, and another doctor's."""
    other_doctor = handlers.dispatch(ctx, RegisterDoctor(name="Joseph Lister", specialty="Surgery")).id
    born = datetime.date(1990, 5, 4)
    other_patient = handlers.dispatch(ctx, RegisterPatient(name="Ada Byron", date_of_birth=born)).id
    other_appointment = handlers.dispatch(ctx, BookAppointment(
        doctor_id=other_doctor, patient_id=other_patient, day=datetime.date(2030, 1, 7), time=datetime.time(9))).id
    return {"own doctor": doctor, "own patient": patient, "own appointment": appointment,
            "other doctor": other_doctor, "other patient": other_patient, "other appointment": other_appointment}


@pytest.fixture(autouse=True)
def quick_passwords(settings):
    """Some two hundred users are made here: a fast hasher keeps the matrix quick
    (what is checked is who may do what, not how passwords are kept)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


FIXTURE_OF = {RECEPTION: "receptionist", CLINICIAN: "clinician", MANAGER: "manager", NO_ROLE: "roleless"}


def knock(door, user, world, client):
    """Send the door's request as this user: the API with a token, the pages signed in."""
    if door.name.startswith("api:"):
        caller = api_client_for(user)
        return getattr(caller, door.method)(door.url(world), door.data(world), format="json")
    client.force_login(user)
    return getattr(client, door.method)(door.url(world), door.data(world) or {})


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("door", DOORS, ids=lambda door: door.id)
def test_the_role_matrix(door, role, world, client, request):
    response = knock(door, request.getfixturevalue(FIXTURE_OF[role]), world, client)
    try:
        if role in door.allowed:
            assert response.status_code != 403 and response.status_code < 500, response.status_code
        else:
            assert response.status_code == 403
            if door.name.startswith("api:"):
                assert response.json()["detail"]
    finally:
        response.close()


def _named_urls(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _named_urls(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_url_is_in_the_table():
    tabled = {door.name for door in DOORS}
    clinic_urls = {name for name in _named_urls(get_resolver().url_patterns)
                   if ":" not in name or name.split(":")[0] in ("api", "web")}
    assert clinic_urls - tabled == set(), "give each new URL its rows in DOORS"
    assert tabled - clinic_urls == set()


def test_the_clinic_serves_no_other_urls_than_the_apis_the_pages_and_the_admin():
    """A new include() outside these would escape the table above: decide its rows first."""
    namespaces = {pattern.namespace for pattern in get_resolver().url_patterns if isinstance(pattern, URLResolver)}
    assert namespaces == {"admin", "api", "web"}
