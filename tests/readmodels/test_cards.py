"""The card process's subscribers and the card projector, run by the one runner
in any order and after crashes: the cards converge on what the join shows, and
a re-run appends nothing."""
import datetime
import io
import itertools

import pytest
from django.core.management import call_command
from django.db import OperationalError

from events import handlers, store
from events.domain.card import CardDoctorFound, CardPatientFound
from events.domain.commands import (
    BookAppointment,
    CancelAppointment,
    CheckIn,
    RegisterDoctor,
    RegisterPatient,
    RescheduleAppointment,
    UpdateDoctor,
    UpdatePatient,
)
from events.models import CardLink, StoredEvent
from events.processes import CardFinder
from readmodels import runner
from readmodels.models import AppointmentCard, Checkpoint, DeadLetter
from readmodels.projectors import subscriber_by_name
from readmodels.selectors import appointments

DAY = datetime.date(2030, 1, 7)
PROCESS_NAMES = ("card-tracker", "card-finder", "cards")


@pytest.fixture
def history(projection_stalled, fixed_ctx):
    """Bookings, a rename, a doctor's update, a move to another doctor, a
    cancellation, a check-in: all committed, none projected, no card started."""
    ctx = fixed_ctx
    ada = handlers.dispatch(ctx, RegisterDoctor(name="Ada Lovelace", specialty="Cardiology")).id
    alan = handlers.dispatch(ctx, RegisterDoctor(name="Alan Turing", specialty="Neurology")).id
    grace = handlers.dispatch(ctx, RegisterPatient(name="Grace Hopper", date_of_birth=datetime.date(1980, 12, 9))).id
    edsger = handlers.dispatch(ctx, RegisterPatient(name="Edsger Dijkstra",
                                                    date_of_birth=datetime.date(1930, 5, 11))).id
    booked = [handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=DAY, time=at)).id
              for doctor, patient, at in [(ada, grace, datetime.time(9)), (alan, edsger, datetime.time(9)),
                                          (ada, edsger, datetime.time(10))]]
    handlers.dispatch(ctx, UpdatePatient(grace, name="Grace B. Hopper"))
    handlers.dispatch(ctx, UpdateDoctor(alan, specialty="Logic"))
    handlers.dispatch(ctx, RescheduleAppointment(booked[0], day=DAY, time=datetime.time(11), doctor_id=alan))
    handlers.dispatch(ctx, CancelAppointment(booked[1]))
    handlers.dispatch(ctx, UpdateDoctor(alan, name="Alan M. Turing"))
    checked_in = handlers.dispatch(ctx, BookAppointment(doctor_id=ada, patient_id=grace,
                                                        day=datetime.date(2026, 3, 9), time=datetime.time(15))).id
    handlers.dispatch(handlers.Context(actor="tester", source="seed",
                                       now=datetime.datetime(2026, 3, 9, 10, tzinfo=datetime.UTC)),
                      CheckIn(checked_in))
    assert not AppointmentCard.objects.exists() and not store.read_all(types=["CARD_STARTED"]).exists()
    return [*booked, checked_in]


def run_until_still(order):
    """Run the subscribers one by one in ``order`` until a whole round moves no checkpoint."""
    for _ in range(10):
        before = dict(Checkpoint.objects.values_list("projector", "position"))
        for name in order:
            runner.run(subscriber_by_name(name))
        if dict(Checkpoint.objects.values_list("projector", "position")) == before:
            return
    raise AssertionError("the subscribers did not converge")


def cards():
    return {card.id: (card.document["day"], card.document["time"], card.document["status"],
                      card.document["patient"]["name"], card.age, card.document["doctor"]["name"],
                      card.document["doctor"]["specialty"])
            for card in AppointmentCard.objects.filter(complete=True)}


def joined():
    return {a.id: (a.day.isoformat(), f"{a.time:%H:%M}", a.status, a.patient.name, a.patient.age, a.doctor.name,
                   a.doctor.specialty) for a in appointments()}


EVERY_ORDER = list(itertools.permutations(PROCESS_NAMES))


@pytest.mark.parametrize("order", EVERY_ORDER, ids="→".join)
def test_the_cards_equal_the_join_whatever_order_the_subscribers_run_in(history, order):
    run_until_still([*order, "doctors", "patients", "appointments"])
    assert len(cards()) == len(history) and cards() == joined()
    assert cards()[history[0]][5:] == ("Alan M. Turing", "Logic")
    assert cards()[history[1]][2] == "cancelled" and cards()[history[3]][2] == "checkedIn"


def test_replaying_the_process_from_the_start_appends_nothing(history):
    run_until_still([s.name for s in runner.SUBSCRIBERS])
    head, shown = store.head_position(), cards()
    Checkpoint.objects.filter(projector__in=["card-tracker", "card-finder"]).update(position=0)
    CardLink.objects.all().delete()
    run_until_still([s.name for s in runner.SUBSCRIBERS])
    assert store.head_position() == head and cards() == shown


def test_a_crash_mid_batch_leaves_neither_events_nor_checkpoint_and_the_rerun_converges(history, monkeypatch):
    run_until_still(["card-tracker"])
    head = store.head_position()
    original = CardFinder.started
    calls = []

    def crashes_on_the_second_card(self, recorded, event, rows):
        original(self, recorded, event, rows)  # the first card's doctor and patient are appended ...
        calls.append(recorded.position)
        if len(calls) == 2:
            raise OperationalError("the connection went away")  # ... then the process dies

    monkeypatch.setattr(CardFinder, "started", crashes_on_the_second_card)
    with pytest.raises(OperationalError):
        runner.run(subscriber_by_name("card-finder"))
    assert store.head_position() == head  # every append of the batch rolled back with it
    assert Checkpoint.objects.filter(projector="card-finder", position__gt=0).count() == 0
    assert not CardLink.objects.exists()

    monkeypatch.setattr(CardFinder, "started", original)
    run_until_still([s.name for s in runner.SUBSCRIBERS])
    assert cards() == joined()
    # The cards started after the whole history, each with its appointment as it is now, so each
    # found its doctor and its patient once: the crashed batch left no duplicate behind.
    found = StoredEvent.objects.filter(type__in=[CardDoctorFound.type, CardPatientFound.type]).count()
    assert found == 2 * len(history)


def test_live_catch_up_converges_without_looping(committed_db, ctx, doctor, patient):
    """Embedded mode: each commit of the process triggers another catch-up, which
    finds nothing more to do."""
    booked = handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=DAY,
                                                    time=datetime.time(9))).id
    assert cards() == joined() and booked in cards()
    head = store.head_position()
    runner.run_all()
    assert store.head_position() == head
    assert set(runner.checkpoint_positions().values()) == {head}


@pytest.mark.parametrize("order", EVERY_ORDER, ids="→".join)
def test_changes_after_the_cards_started_reach_them_whatever_the_order(projection_stalled, fixed_ctx, order):
    ctx, order = fixed_ctx, [*order, "doctors", "patients", "appointments"]
    ada = handlers.dispatch(ctx, RegisterDoctor(name="Ada Lovelace", specialty="Cardiology")).id
    alan = handlers.dispatch(ctx, RegisterDoctor(name="Alan Turing", specialty="Neurology")).id
    grace = handlers.dispatch(ctx, RegisterPatient(name="Grace Hopper", date_of_birth=datetime.date(1980, 12, 9))).id
    first, second = (handlers.dispatch(ctx, BookAppointment(doctor_id=ada, patient_id=grace, day=DAY, time=at)).id
                     for at in (datetime.time(9), datetime.time(10)))
    untouched = handlers.dispatch(ctx, BookAppointment(doctor_id=ada, patient_id=grace, day=DAY,
                                                       time=datetime.time(12))).id
    run_until_still(order)
    assert cards()[first][3:] == ("Grace Hopper", cards()[first][4], "Ada Lovelace", "Cardiology")

    handlers.dispatch(ctx, UpdatePatient(grace, name="Grace B. Hopper", date_of_birth=datetime.date(1981, 1, 2)))
    handlers.dispatch(ctx, UpdateDoctor(ada, name="Ada King", specialty="Mathematics"))
    handlers.dispatch(ctx, RescheduleAppointment(first, day=DAY, time=datetime.time(11), doctor_id=alan))
    handlers.dispatch(ctx, UpdateDoctor(alan, name="Alan M. Turing"))
    handlers.dispatch(ctx, CancelAppointment(second))
    run_until_still(order)

    assert cards() == joined()
    assert cards()[first][1:] == ("11:00", "booked", "Grace B. Hopper", cards()[first][4], "Alan M. Turing",
                                  "Neurology")
    assert cards()[untouched][5:] == ("Ada King", "Mathematics")  # reached by the doctor's update alone
    assert cards()[second][2:] == ("cancelled", "Grace B. Hopper", cards()[second][4], "Ada King", "Mathematics")


def test_a_process_parks_an_event_it_keeps_failing_on_and_retry_dead_letters_applies_it(history, monkeypatch):
    run_until_still(["card-tracker"])
    original = CardFinder.started
    failing = history[2]

    def fails_for_one_card(self, recorded, event, rows):
        if event.appointment_id == failing:
            raise ValueError("a bug in the finder")
        original(self, recorded, event, rows)

    monkeypatch.setattr(CardFinder, "started", fails_for_one_card)
    run_until_still([s.name for s in runner.SUBSCRIBERS])
    (letter,) = DeadLetter.objects.filter(projector="card-finder")
    assert letter.event_type == "CARD_STARTED" and failing not in cards() and len(cards()) == len(history) - 1

    monkeypatch.setattr(CardFinder, "started", original)
    out = io.StringIO()
    call_command("retry_dead_letters", "--projector", "card-finder", stdout=out)
    assert "1 applied" in out.getvalue() and not DeadLetter.objects.exists()
    run_until_still([s.name for s in runner.SUBSCRIBERS])
    assert cards() == joined()
