"""Events stored as the code before schema versions wrote them — no version on
the row, version 1 data — read through the upcasters wherever the log is read:
handlers deciding, projectors, the event feed and the stream API, time travel,
``StoredEvent.message``. A version the code does not know is refused by name,
and a projector parks it as a dead letter instead of failing for ever.
(The upcasters themselves: tests/domain/test_upcasting.py.)"""
import datetime
import uuid

import pytest
from django.db import transaction
from django.utils import timezone

from clinic.web.timetravel import history
from events import handlers, importing, store
from events.domain import fold, messages, patient
from events.domain.catalogue import UnreadableVersion
from events.domain.commands import RegisterPatient, UpdatePatient
from events.domain.patient import PatientCreated
from events.models import StoredEvent
from readmodels import rebuild, runner
from readmodels.models import DeadLetter, Patient

BORN = datetime.date(1980, 12, 9)
V1 = {"name": "Grace Hopper", "date_of_birth": "1980-12-09"}  # what the first registrations stored
PHONE = "+442079460000"  # as the domain stores it: digits, no spaces


def stored_as_old_code(data, *, type="PATIENT_CREATED", stream_type="patient", stream_id=None, version=1,
                       schema_version=None):
    """A row as the code before this column wrote it: no schema version (NULL)."""
    now = timezone.now()
    with transaction.atomic():
        store.serialize_appends()
        return StoredEvent.objects.create(
            stream_id=stream_id or uuid.uuid4(), stream_type=stream_type, version=version, type=type, data=data,
            schema_version=schema_version, metadata=store.metadata(actor="old code", source="seed"),
            occurred_at=now, recorded_at=now)


@pytest.fixture
def old_patients(committed_db):
    """Two registrations from before versions: one without contact (as the first
    code wrote them), one with a phone (written once the fields existed)."""
    return (stored_as_old_code(V1).stream_id, stored_as_old_code({**V1, "phone": PHONE}).stream_id)


def test_append_records_the_version_each_class_writes(committed_db, ctx):
    registered = handlers.dispatch(ctx, RegisterPatient(name="Ada", date_of_birth=BORN)).id
    handlers.dispatch(ctx, UpdatePatient(registered, name="Ada King"))
    rows = StoredEvent.objects.filter(stream_id=registered).order_by("version")
    assert [(row.type, row.schema_version) for row in rows] == [("PATIENT_CREATED", 2), ("PATIENT_UPDATED", 1)]
    assert rows[0].plain_data == {"name": "Ada", "date_of_birth": "1980-12-09", "phone": None, "email": None}


def test_the_importer_records_the_version_it_is_given(committed_db):
    def imported(schema_version=None):
        optional = {} if schema_version is None else {"schema_version": schema_version}
        return importing.ImportedEvent(stream_id=uuid.uuid4(), stream_type="patient", version=1,
                                       type="PATIENT_CREATED", data=V1, occurred_at=timezone.now(), **optional)

    first, second = imported(), imported(2)
    importing.import_events([first, second], metadata=store.metadata(actor="import", source="seed"))
    assert StoredEvent.objects.get(stream_id=first.stream_id).schema_version == 1  # the default: the first shape
    assert StoredEvent.objects.get(stream_id=second.stream_id).schema_version == 2
    with pytest.raises(importing.InvalidImport, match="schema_version must be a whole number from 1 to 2"):
        importing.import_events([imported(3)], metadata=store.metadata(actor="import", source="seed"))


def test_handlers_decide_on_old_registrations(old_patients, ctx):
    bare, with_phone = old_patients
    [[created]] = store.read_histories([bare])
    assert created.event == PatientCreated(name="Grace Hopper", date_of_birth=BORN)

    # The phone stored without a version is the state the decision starts from:
    # giving it again changes nothing, only the e-mail is written.
    handlers.dispatch(ctx, UpdatePatient(with_phone, phone=PHONE, email="grace@example.org"))
    written = StoredEvent.objects.get(stream_id=with_phone, version=2)
    assert (written.type, written.plain_data) == ("PATIENT_UPDATED", {"email": "grace@example.org"})
    handlers.dispatch(ctx, UpdatePatient(bare, email="hopper@example.org"))
    assert fold(patient.evolve, store.read_histories([bare])[0]) == \
        patient.Patient("Grace Hopper", BORN, phone="", email="hopper@example.org")


def test_projectors_read_old_registrations(old_patients, ctx):
    bare, with_phone = old_patients
    new = handlers.dispatch(ctx, RegisterPatient(name="Ada", date_of_birth=BORN, phone="01234567")).id
    runner.run_all()
    assert Patient.objects.filter(pk=bare).values_list("name", "phone", "email").get() == ("Grace Hopper", "", "")
    assert Patient.objects.get(pk=with_phone).phone == PHONE
    assert Patient.objects.get(pk=new).phone == "01234567"
    assert not DeadLetter.objects.exists()
    assert rebuild.verify() == {}


def test_the_feed_and_the_stream_api_show_old_events_in_todays_shape(old_patients, api, ctx):
    bare, with_phone = old_patients
    handlers.dispatch(ctx, RegisterPatient(name="Ada", date_of_birth=BORN))
    feed = {row["streamId"]: row for row in api.get("/api/events/").json()["results"]}
    assert feed[str(bare)]["data"] == {**V1, "phone": None, "email": None}
    assert feed[str(with_phone)]["data"] == {**V1, "phone": PHONE, "email": None}
    assert {frozenset(row["data"]) for row in feed.values()} == {frozenset({"name", "date_of_birth", "phone", "email"})}
    [stored] = api.get(f"/api/streams/{bare}/events/").json()["results"]
    assert stored["data"] == {**V1, "phone": None, "email": None}
    assert StoredEvent.objects.get(stream_id=bare).data == V1  # shown upcast, stored as it was


def test_time_travel_shows_old_registrations(old_patients):
    bare, with_phone = old_patients
    facts = {fact.name: fact.value for fact in history(bare, 1).facts}
    assert (facts["name"], facts["phone"], facts["email"]) == ("Grace Hopper", "", "")
    assert {fact.name: fact.value for fact in history(with_phone, 1).facts}["phone"] == PHONE
    assert history(bare).title == "Grace Hopper"


def test_every_reader_goes_through_the_one_upcast(old_patients, api, monkeypatch):
    """Swap the real step for one whose mark cannot come from the stored row: each
    reader that shows the mark read the row through ``upcast``."""
    bare, _ = old_patients
    mark = "+00 upcast"

    def marked(data):
        return {**data, "phone": mark, "email": None}

    monkeypatch.setitem(messages._UPCASTERS, ("PATIENT_CREATED", 1), marked)
    assert store.read_histories([bare])[0][0].event.phone == mark  # handlers
    logged = store.read_log(after=0, up_to=store.head_position(), types=["PATIENT_CREATED"], limit=10)
    assert {r.stream_id: r.event.phone for r in logged}[bare] == mark  # projectors
    assert StoredEvent.objects.get(stream_id=bare).message.phone == mark  # pages, activity
    assert {f.name: f.value for f in history(bare, 1).facts}["phone"] == mark  # time travel
    feed = {row["streamId"]: row for row in api.get("/api/events/").json()["results"]}
    assert feed[str(bare)]["data"]["phone"] == mark  # the feed


# --- a version this code does not know ---------------------------------------

@pytest.fixture
def from_newer_code(committed_db):
    """A registration written by code that knows PATIENT_CREATED 3, followed by an
    ordinary one."""
    newer = stored_as_old_code({**V1, "nhs_number": "943 476 5919"}, schema_version=3)
    return newer, stored_as_old_code(V1, schema_version=1)


def test_a_newer_version_is_refused_by_name_where_it_is_read(from_newer_code):
    newer, _ = from_newer_code
    with pytest.raises(store.UndecodableEvent) as refused:
        store.read_histories([newer.stream_id])
    message = str(refused.value)
    assert f"position {newer.position}" in message
    assert "PATIENT_CREATED is stored in version 3, but this code reads it only up to version 2" in message
    assert "943" not in message and "Grace" not in message
    with pytest.raises(UnreadableVersion, match="version 3"):
        _ = StoredEvent.objects.get(pk=newer.pk).message


def test_a_projector_parks_a_newer_version_and_goes_on(from_newer_code):
    newer, ordinary = from_newer_code
    runner.run_all()
    runner.run_all()  # a second run neither fails nor parks it again
    letter = DeadLetter.objects.get(projector="patients")
    assert (letter.position, letter.event_type) == (newer.position, "PATIENT_CREATED")
    assert "stored in version 3, but this code reads it only up to version 2" in letter.error
    assert Patient.objects.filter(pk=ordinary.stream_id).exists()
    assert not Patient.objects.filter(pk=newer.stream_id).exists()
    assert runner.checkpoint_positions()["patients"] == store.head_position()



def test_the_feed_refuses_a_newer_version_for_now_not_with_a_crash(from_newer_code, api):
    """Mid-deploy, an older web process meets an event newer code wrote: it says
    so and asks to be asked again, rather than answer a page with a hole in it."""
    answer = api.get("/api/events/")
    assert answer.status_code == 503 and answer["Retry-After"] == "30"
    assert "PATIENT_CREATED is stored in version 3, but this code reads it only up to version 2" in \
        answer.json()["detail"]
    newer, ordinary = from_newer_code
    after = api.get(f"/api/events/?after={newer.position}").json()["results"]
    assert [row["position"] for row in after] == [ordinary.position]  # the rest of the log still reads
