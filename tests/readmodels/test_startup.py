"""A process that starts catches the read side up (``readmodels.startup``): after
a crash between a commit and its projection, what was committed shows as soon as
the web process (or, in production, a worker) is started again — no further
write needed."""
import datetime
import urllib.request

import pytest

from clinic.signin import tokens
from events import handlers, store
from events.domain.commands import BookAppointment, RegisterDoctor, RegisterPatient
from events.models import StoredEvent
from readmodels import runner, selectors
from tests.production import services

STARTUP_TIMEOUT = 60


@pytest.fixture
def committed_but_not_projected(projection_stalled):
    """A doctor, a patient and a booking, committed while nothing projected them."""
    ctx = handlers.Context(actor="tester", source="seed")
    doctor = handlers.dispatch(ctx, RegisterDoctor(name="Ada Lovelace", specialty="Cardiology")).id
    patient = handlers.dispatch(ctx, RegisterPatient(name="Grace Hopper", date_of_birth=datetime.date(1980, 12, 9))).id
    booked = handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient,
                                                    day=datetime.date(2030, 1, 7), time=datetime.time(9))).id
    assert runner.projected_position() < store.head_position()
    assert not selectors.appointments().filter(pk=booked).exists()
    return booked


@pytest.fixture
def processes():
    started = []
    yield started
    for process in started:
        services.kill(process)


def shows(appointment):
    return selectors.appointments().filter(pk=appointment).exists()


def test_a_web_process_that_starts_shows_what_was_committed_before(committed_but_not_projected, staff_user,
                                                                  processes, tmp_path):
    head = store.head_position()
    token = tokens.issue(staff_user)[0]
    port = services.free_port()
    processes.append(services.web(services.environment(), port, tmp_path / "web.log"))
    services.wait_until(lambda: shows(committed_but_not_projected), STARTUP_TIMEOUT, interval=0.1,
                        what=f"the booking to be projected (see {tmp_path / 'web.log'})")
    # Projectors commit one after another: the booking shows once the appointments'
    # has run, and the others reach the head a moment later, with no write to wake them.
    services.wait_until(lambda: runner.projected_position() >= head, STARTUP_TIMEOUT, interval=0.1,
                        what=f"every projector to reach the head {head} (see {tmp_path / 'web.log'})")
    # Nothing was written meanwhile but the booking's appointment card, by the card process as it caught up.
    assert set(StoredEvent.objects.filter(position__gt=head).values_list("stream_type", flat=True)) <= {"card"}

    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/appointments/{committed_but_not_projected}/",
                                     headers={"Authorization": f"Token {token}"})
    services.wait_until(lambda: services.serving(port), STARTUP_TIMEOUT, what="the web process to serve")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


@pytest.mark.production
def test_a_worker_that_starts_projects_what_was_committed_before(committed_but_not_projected, processes, tmp_path,
                                                                 settings):
    """On a queue of its own, so nothing but its own start-up sends it work."""
    env = services.environment(CLINIC_QUEUE=f"{settings.CELERY_TASK_DEFAULT_QUEUE}-startup")
    processes.append(services.worker(env, log_path=tmp_path / "worker.log"))
    services.wait_until(lambda: shows(committed_but_not_projected), STARTUP_TIMEOUT, interval=0.1,
                        what=f"the booking to be projected by the new worker (see {tmp_path / 'worker.log'})")


def test_a_web_process_serves_even_on_a_database_not_migrated_yet(processes, tmp_path):
    """The start-up catch-up fails there (no tables); the process logs one line and serves."""
    log = tmp_path / "web.log"
    port = services.free_port()
    env = services.environment(DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}", CELERY_BROKER_URL="",
                               REDIS_URL="")
    processes.append(services.web(env, port, log))
    services.wait_until(lambda: services.serving(port), STARTUP_TIMEOUT, what="the web process to serve")
    services.wait_until(lambda: "could not catch up at start-up" in log.read_text(), STARTUP_TIMEOUT,
                        what="the start-up catch-up to report")
    assert processes[0].poll() is None
    assert "Traceback" not in log.read_text()
