"""``store.read_feed``: the feed's reader (``GET /api/events/``) reads the log with
one plain query, yet shows what the ORM's rows showed — the same order and pages,
the same times, personal fields opened (or "[erased]"), data in today's shape —
down to the bytes of the API's answer. (Its readable-head bound on PostgreSQL:
tests/events/test_reading_order.py.)"""
import datetime
import uuid
from zoneinfo import ZoneInfo

import pytest
from rest_framework.renderers import JSONRenderer

from clinic.api.serializers import EventSerializer
from events import handlers, store
from events.domain.commands import BookAppointment, CancelAppointment, RegisterDoctor, RegisterPatient
from events.domain.patient import ERASED
from events.models import DataKey, StoredEvent

from .conftest import test_event
from .test_old_versions import V1, stored_as_old_code

BORN = datetime.date(1961, 7, 23)
# Times the ORM must read back to the microsecond: another zone, before the epoch, a whole second.
TIMES = [datetime.datetime(2031, 7, 1, 12, 59, 59, 999_999, tzinfo=ZoneInfo("Europe/London")),
         datetime.datetime(1969, 12, 31, 23, 59, 59, 1, tzinfo=datetime.UTC),
         datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC)]


@pytest.fixture
def log(committed_db, ctx, write):
    """A log with what the feed shows: patients (sealed fields), a booking and its
    cancellation with a reason, an old registration, test events at odd times."""
    doctor = handlers.dispatch(ctx, RegisterDoctor(name="Ada Lovelace", specialty="Cardiology")).id
    kept = handlers.dispatch(ctx, RegisterPatient(name="Kept Key", date_of_birth=BORN, phone="+44 20 7946 0321")).id
    lost = handlers.dispatch(ctx, RegisterPatient(name="Lost Key", date_of_birth=BORN)).id
    booked = handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=kept, day=datetime.date(2030, 1, 7),
                                                    time=datetime.time(9, 0))).id
    handlers.dispatch(ctx, CancelAppointment(appointment_id=booked, reason="Kept Key is ill"))
    stored_as_old_code(V1)
    for occurred_at in TIMES:
        write(occurred_at=occurred_at)
    return {"kept": kept, "lost": lost}


def orm_rows():
    """The feed's rows as it read them before ``read_feed``: model instances."""
    return list(store.opened(list(store.read_all())))


def rendered(rows):
    return JSONRenderer().render(EventSerializer(rows, many=True).data)


def test_the_feed_shows_what_the_orms_rows_showed_byte_for_byte(log):
    assert rendered(store.read_feed(after=0, limit=1000)) == rendered(orm_rows())


def test_rows_carry_the_orms_values_and_aware_utc_times(log):
    fed, stored = store.read_feed(after=0, limit=1000), orm_rows()
    assert [tuple(row) for row in fed] == [
        (e.position, e.stream_id, e.stream_type, e.version, e.type, e.current_data, e.metadata, e.occurred_at,
         e.recorded_at) for e in stored]
    assert {row.occurred_at.tzinfo for row in fed} == {row.recorded_at.tzinfo for row in fed} == {datetime.UTC}
    assert [row.occurred_at for row in fed[-3:]] == TIMES
    assert all(type(row.stream_id) is uuid.UUID for row in fed)


def test_pages_follow_the_log_in_position_order(log):
    positions = list(StoredEvent.objects.order_by("position").values_list("position", flat=True))
    seen, after = [], 0
    while page := store.read_feed(after=after, limit=3):
        assert len(page) <= 3
        seen += [row.position for row in page]
        after = page[-1].position
    assert seen == positions
    assert [row.position for row in store.read_feed(after=positions[2], limit=2)] == positions[3:5]
    assert store.read_feed(after=positions[-1], limit=10) == []


def test_each_patients_fields_open_under_their_own_key_on_one_page(log):
    opened = {row.stream_id: row.current_data for row in store.read_feed(after=0, limit=1000)
              if row.type == "PATIENT_CREATED"}
    assert (opened[log["kept"]]["name"], opened[log["lost"]]["name"]) == ("Kept Key", "Lost Key")
    assert opened[log["kept"]]["phone"] == "+442079460321"


def test_personal_fields_are_opened_and_an_erased_patient_reads_as_erased(log):
    DataKey.objects.filter(subject=log["lost"]).delete()
    names = {row.stream_id: row.current_data["name"] for row in store.read_feed(after=0, limit=1000)
             if row.type == "PATIENT_CREATED"}
    assert (names[log["kept"]], names[log["lost"]]) == ("Kept Key", ERASED)
    [cancelled] = [row for row in store.read_feed(after=0, limit=1000) if row.type == "APPOINTMENT_CANCELLED"]
    assert cancelled.current_data["reason"] == "Kept Key is ill"


def test_old_events_are_shown_in_todays_shape(log):
    [old] = [row for row in store.read_feed(after=0, limit=1000) if row.metadata["actor"] == "old code"]
    assert old.current_data == {**V1, "phone": None, "email": None}


def test_the_feed_reads_test_events_of_any_registered_class(committed_db, write):
    write(n=2)
    assert [row.current_data for row in store.read_feed(after=0, limit=10)] == [
        test_event("THING_HAPPENED", n).to_data() for n in (1, 2)]
