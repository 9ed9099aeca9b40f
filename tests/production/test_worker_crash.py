"""SIGKILL the projecting worker mid-transaction, again and again, under load.

A batch and its checkpoint commit together, so a killed batch leaves no trace
and the restarted worker applies it again — once. The worker runs the card
process too (its commands' appends commit with its checkpoint), so the kills
land in the process's batches as well: afterwards every appointment has one
card, equal to the join."""
import random
import time

import pytest
from django.db import connection

from events.models import StoredEvent
from readmodels.models import Appointment
from tests.conftest import every_subscriber_at_the_head
from tests.readmodels.test_cards import cards, joined

from . import services
from .conftest import assert_projected_exactly_once, wait_for_head

pytestmark = pytest.mark.production

KILLS = 12
APPLICATION = "clinic-crash-worker"


def worker_in_transaction():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s "
                       "AND xact_start IS NOT NULL", [APPLICATION])
        return cursor.fetchone()[0] > 0


def test_killing_the_worker_mid_batch_loses_and_repeats_nothing(writers, tmp_path, settings):
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-crash"
    env = services.environment(CLINIC_QUEUE=queue, CLINIC_CATCH_UP_SECONDS=1,
                               DATABASE_URL=services.test_database_url(application_name=APPLICATION))
    load = writers(4, 40, env)
    rng = random.Random(7)
    worker = services.worker(env, tmp_path / "worker.log", concurrency=1)
    kills_mid_transaction = 0
    try:
        for _ in range(KILLS):
            try:
                services.wait_until(worker_in_transaction, timeout=15, interval=0.002,
                                    what="the worker to be inside a projection transaction")
            except AssertionError:
                break  # the load ended; nothing left to interrupt
            time.sleep(rng.uniform(0, 0.01))
            services.kill(worker)
            kills_mid_transaction += 1
            worker = services.worker(env, tmp_path / "worker.log", concurrency=1)
        reports = load.finish()
        beat = services.beat(env, tmp_path / "beat-schedule", tmp_path / "beat.log")
        try:
            wait_for_head(timeout=90)
            services.wait_until(every_subscriber_at_the_head, timeout=90,
                                what="the card process and the projectors to reach the head")
        finally:
            services.kill(beat)
    finally:
        services.kill(worker)

    assert kills_mid_transaction >= 10, f"only {kills_mid_transaction} kills landed mid-transaction"
    assert_projected_exactly_once(reports)
    # The card process converged through the kills: one card per appointment, none started twice, each the join's.
    assert StoredEvent.objects.filter(type="CARD_STARTED").count() == Appointment.objects.count() > 0
    assert cards() == joined()

