"""Shared fixtures, and the two run modes.

Embedded mode (the default): SQLite, Celery eager — projection runs in-process
when the appending transaction commits.

Production mode (DATABASE_URL=postgres://…, CELERY_BROKER_URL=redis://…): the
session starts a real Celery worker against this run's test database, and every
commit in the test process waits until that worker has projected it — the test's
own read-your-writes — so the same tests hold in both modes. Tests marked
``production`` need this mode, and tests marked ``postgresql`` need that database;
elsewhere they skip with the reason (under CI they are deselected and left to the
production pass, which .ci/run always runs). Tests marked ``sqlite`` are about
SQLite itself and are left to the embedded pass.

Most tests that touch the API need committed transactions: projection runs when
the appending transaction commits. ``committed_db`` gives them that, and resets
the event table and the read audit afterwards through the test-only
``reset_event_store`` and ``reset_audit`` (Django's own flush would be refused by
their immutability triggers, as it should be).
"""
import datetime
import os
import time
import uuid
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from clinic.audit.testing import reset_audit
from clinic.roles.accounts import enrol
from clinic.roles.rules import Role
from clinic.signin import tokens
from events import handlers, store
from events.domain.commands import BookAppointment, RegisterDoctor, RegisterPatient
from events.store import events_committed
from events.testing import reset_event_store
from readmodels import runner
from readmodels.models import Checkpoint
from readmodels.signals import project_new_events
from tests.production import services

WORKER_CATCH_UP_TIMEOUT = 30


def pytest_collection_modifyitems(config, items):
    if not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        # Tests of SQLite itself belong to the embedded pass, which runs on it.
        _deselect(config, items, "sqlite")
    if services.production_mode():
        # Tests of in-process projection describe the embedded mode only.
        _deselect(config, items, "embedded")
        return
    _leave_to_production_pass(config, items, "production", (
        "needs production mode: set DATABASE_URL=postgres://… and CELERY_BROKER_URL=redis://… "
        "(`make test-production` does, against local PostgreSQL and Redis)"))
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        _leave_to_production_pass(config, items, "postgresql", (
            "about PostgreSQL; runs in `make test-production`"))


def _leave_to_production_pass(config, items, marker, reason):
    if os.environ.get("CI"):
        # Not skipped: deselected here, run by the production pass of .ci/run.
        _deselect(config, items, marker)
        return
    for item in items:
        if item.get_closest_marker(marker):
            item.add_marker(pytest.mark.skip(reason=reason))


def _deselect(config, items, marker):
    chosen = [item for item in items if item.get_closest_marker(marker)]
    config.hook.pytest_deselected(items=chosen)
    items[:] = [item for item in items if not item.get_closest_marker(marker)]


def pytest_sessionstart(session):
    if not services.production_mode():
        return
    broker = urlparse(settings.CELERY_BROKER_URL)
    database = settings.DATABASES["default"]
    missing = [name for name, host, port in [
        ("PostgreSQL", database["HOST"] or "127.0.0.1", int(database["PORT"] or 5432)),
        ("Redis", broker.hostname or "127.0.0.1", broker.port or 6379),
    ] if not services.reachable(host, port)]
    if missing:
        message = (f"Production mode, but {' and '.join(missing)} not reachable; start it "
                   f"(README: Production mode) or unset DATABASE_URL and CELERY_BROKER_URL.")
        if os.environ.get("CI"):
            pytest.exit(message, returncode=1)
        session.config.stash[_SKIP_ALL] = message


_SKIP_ALL = pytest.StashKey[str]()


def pytest_runtest_setup(item):
    message = item.config.stash.get(_SKIP_ALL, None)
    if message:
        pytest.skip(message)


@pytest.fixture(scope="session", autouse=True)
def projection_worker(request, tmp_path_factory):
    """Production mode: one real Celery worker for the session, on this run's queue."""
    if not services.production_mode() or request.config.stash.get(_SKIP_ALL, None):
        yield None
        return
    request.getfixturevalue("django_db_setup")
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    process = services.worker(services.environment(), log_path=log)
    events_committed.connect(_wait_for_worker, dispatch_uid="tests-wait-for-worker")
    yield process
    events_committed.disconnect(dispatch_uid="tests-wait-for-worker")
    services.kill(process)


def _wait_for_worker(sender, position, **kwargs):
    """After a commit, as in embedded mode: the projectors have reached it, and the
    card process's own appends (which the worker follows with rounds of its own)
    have settled, so a test never reads a read side that is still moving."""
    if not runner.wait_for(position, WORKER_CATCH_UP_TIMEOUT):
        return  # no worker took it (a test may keep the broker away): as before, the test goes on
    deadline = time.monotonic() + WORKER_CATCH_UP_TIMEOUT
    while not every_subscriber_at_the_head() and time.monotonic() < deadline:
        time.sleep(0.01)


def every_subscriber_at_the_head():
    """Every process and projector has read the whole log, the processes' own
    appends included: nothing is left for a worker to do.

    The checkpoints are read before the head, and the head is the last position
    drawn, not the readable one. Read the other way round, a subscriber's batch
    committing between the two reads (its checkpoint and its appends at once) would
    leave a checkpoint that looks at an old head while a later subscriber has its
    appends still to read; and a readable head held back by a transaction in
    flight would look reached too early."""
    reached = dict(Checkpoint.objects.values_list("projector", "position"))
    head = store.last_position()
    return all(reached.get(subscriber.name, 0) >= head for subscriber in runner.SUBSCRIBERS)


@pytest.fixture
def projection_stalled(committed_db):
    """As when the broker or every worker is away: events commit, nothing projects
    them until the test runs a projector itself."""
    events_committed.disconnect(project_new_events)
    events_committed.disconnect(dispatch_uid="tests-wait-for-worker")
    if services.production_mode():
        # The worker may still be following the card process's own appends (each commit
        # asks for another round, from the worker itself): let it finish, or it would
        # project the test's events too.
        services.wait_until(every_subscriber_at_the_head, WORKER_CATCH_UP_TIMEOUT,
                            what="the worker to finish catching up")
        services.quiesce()
    yield
    events_committed.connect(project_new_events)
    if services.production_mode():
        events_committed.connect(_wait_for_worker, dispatch_uid="tests-wait-for-worker")


@pytest.fixture
def committed_db(transactional_db):
    yield
    if services.production_mode():
        services.quiesce()  # a worker mid-batch would deadlock with the flush's TRUNCATE
    reset_event_store()
    reset_audit()


@pytest.fixture
def ctx():
    return handlers.Context(actor="tester", source="seed")


@pytest.fixture
def staff_user(committed_db):
    """The staff user most tests act as: a manager, who may do everything, so a
    test about what the clinic does is not also about roles. (Its username is the
    one these tests have always signed in with.) Tests about roles use the users
    below."""
    return enrol("reception", Role.MANAGER, "pw-not-for-real-1")[0]


@pytest.fixture
def receptionist(committed_db):
    return enrol("front-desk", Role.RECEPTION, "pw-not-for-real-5")[0]


@pytest.fixture
def clinician(committed_db, doctor):
    """A clinician who is the ``doctor`` fixture."""
    return enrol("dr-lovelace", Role.CLINICIAN, "pw-not-for-real-6", doctor_id=doctor)[0]


@pytest.fixture
def manager(staff_user):
    return staff_user


@pytest.fixture
def roleless(committed_db):
    """A staff account nobody has given a role yet."""
    return get_user_model().objects.create_user("new-hire", password="pw-not-for-real-7", is_staff=True)


def api_client_for(user):
    """An API client authenticated with a token of ``user``, as an integration would be."""
    client = APIClient()
    token, _ = tokens.issue(user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def api(committed_db, staff_user):
    """An API client authenticated with a staff token, as an integration would be."""
    return api_client_for(staff_user)


@pytest.fixture
def doctor(committed_db, ctx):
    return handlers.dispatch(ctx, RegisterDoctor(name="Ada Lovelace", specialty="Cardiology")).id


@pytest.fixture
def patient(committed_db, ctx):
    return handlers.dispatch(ctx, RegisterPatient(name="Grace Hopper", date_of_birth=datetime.date(1980, 12, 9))).id


@pytest.fixture
def appointment(committed_db, ctx, doctor, patient):
    return handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=datetime.date(2030, 1, 7),
                                     time=datetime.time(9, 0))).id


@pytest.fixture
def unknown_id():
    return uuid.uuid4()
