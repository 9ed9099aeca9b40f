"""Every figure for one database, measured in one process on a fresh database.

    python -m bench.suite --preset quick --out figures.json
    (DATABASE_URL names the fresh database; ``python -m bench`` sets it up)

Run by ``python -m bench``, which gives each backend a process and a database of
its own, adds the ``_sqlite`` / ``_pg`` suffix and the ratios, and prints the
table. The order below is the order of the run; each figure's docstring says
what it means and how it is measured. Projection on commit is switched off while
writes are timed (appends and imports measure the write side alone; the read
side is measured by the rebuild and catch-up figures and by ``bench.lag``).
"""
import argparse
import json
import math
import os
import random
import time
from dataclasses import dataclass
from datetime import date, timedelta
from datetime import time as clock

PAGE_READ = 500  # events per page when reading the global log: the projector runner's batch
LOG_READ_PASSES = 3  # whole reads of the log by each side, alternating (Suite.read_logs)


@dataclass(frozen=True)
class Preset:
    append_events: int  # events the command script writes (Clinic and peer each)
    peer_log_events: int  # the peer's log is topped up to this (100 commands per save) for the read figure
    rebuild_small_events: int  # log length at the first rebuild
    rebuild_events: int  # log length at the second rebuild
    min_appointments: int  # appointments in the read model for the read figures
    detail_requests: int
    fold_requests: int
    list_rounds: int
    warmup: int = 30
    first_patients: int = 2000  # patients registered on the history's first day
    history_commands: int = 60  # bookings, and arrivals and departures, timed per history size
    renamed_patients: tuple[int, ...] = (1, 100, 1_000)  # appointments of the patients renamed (rename_fanout)
    concurrent_seconds: float = 3.0  # each system's run at each number of writers (bench.concurrent)


CARD_APPOINTMENTS = 500  # appointments whose cards the bench starts (Suite.cards)

PRESETS = {
    "tiny": Preset(append_events=120, peer_log_events=300, rebuild_small_events=600, rebuild_events=2_000,
                   min_appointments=800, detail_requests=40, fold_requests=15, list_rounds=8, warmup=5,
                   first_patients=100, history_commands=10, renamed_patients=(1, 10), concurrent_seconds=0.5),
    "quick": Preset(append_events=3_000, peer_log_events=20_000, rebuild_small_events=10_000,
                    rebuild_events=100_000, min_appointments=100_000, detail_requests=2_000, fold_requests=300,
                    list_rounds=100),
    "full": Preset(append_events=20_000, peer_log_events=100_000, rebuild_small_events=100_000,
                   rebuild_events=1_000_000, min_appointments=100_000, detail_requests=5_000, fold_requests=500,
                   list_rounds=200, concurrent_seconds=10.0),
}
IMPORT_CHUNK = 100_000  # events generated (untimed) before each timed import call
IMPORT_BATCH = 20_000  # events per import transaction


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def log(message):
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", flush=True)


class Suite:
    def __init__(self, preset, with_peer=True):
        from django.db import connection

        self.preset = preset
        self.rng = random.Random(7)
        self.figures = {}
        self.vendor = connection.vendor
        self.peer = None
        self.peer_error = None
        if with_peer:
            try:
                from django.conf import settings

                from . import peer
                self.peer_module = peer
                self.peer = peer.PeerClinic(peer.environment(settings.DATABASES["default"]))
            except ImportError as error:
                self.peer_error = f"peer library not installed ({error}); pip install -r bench/requirements.txt"
        else:
            self.peer_error = "peer skipped (--no-peer)"

    # --- Writes ---------------------------------------------------------------

    def append(self):
        """``append_events_per_s``: the command script (``bench.data.command_script``)
        through Clinic's command handlers — load and fold the streams, validate,
        decide, append with metadata in one transaction per command — by one
        client, in-process. Events written / wall time of the commands.

        ``peer_append_events_per_s``: the same script through the peer, one
        ``save`` per command. The two run in alternating halves so neither gets
        the warmer half of the run."""
        from events.models import StoredEvent

        from .data import ClinicCommands, command_script, script_events

        script = command_script(self.preset.append_events, seed=1)
        self.figures["append_commands"] = len(script)
        self.figures["append_planned_events"] = script_events(script)
        halves = [script[:len(script) // 2], script[len(script) // 2:]]
        ours, clinic_seconds, peer_seconds = ClinicCommands(), 0.0, 0.0
        before = StoredEvent.objects.count()
        peer_before = self.peer.head() if self.peer else 0
        for half in halves:
            started = time.perf_counter()
            for command in half:
                ours(command)
            clinic_seconds += time.perf_counter() - started
            if self.peer:
                started = time.perf_counter()
                for command in half:
                    self.peer(command, _now())
                peer_seconds += time.perf_counter() - started
        written = StoredEvent.objects.count() - before
        self.figures["append_events"] = written
        self.figures["append_events_per_s"] = written / clinic_seconds
        if self.peer:
            peer_written = self.peer.head() - peer_before
            self.figures["peer_append_events"] = peer_written
            self.figures["peer_append_events_per_s"] = peer_written / peer_seconds
        log(f"append: {written} events in {clinic_seconds:.1f} s"
            + (f"; peer {peer_written} in {peer_seconds:.1f} s" if self.peer else ""))

    def history(self):
        """``booking_ms_p50_history_<n>`` and ``arrival_ms_p50_history_<n>`` for
        n = 0, 2,000 and 20,000 events in the doctor's stream: see ``bench.history``."""
        from . import history

        figures = history.measure(self.preset.history_commands, warmup=min(self.preset.warmup, 10))
        self.figures.update(figures)
        log("history: " + ", ".join(f"{key.replace('_ms_p50_history_', ' at ')} {value:.2f} ms"
                                    for key, value in figures.items()))

    def peer_batches(self):
        """``peer_batch_append_events_per_s`` (for reference): the peer with 100
        commands per ``save``, which also grows its log to ``peer_log_events`` for
        the read figure."""
        if not self.peer:
            return
        from .data import command_script

        needed = self.preset.peer_log_events - self.peer.head()
        if needed <= 0:
            return
        script = command_script(needed, seed=3)
        before, started = self.peer.head(), time.perf_counter()
        for start in range(0, len(script), 100):
            self.peer.batch(script[start:start + 100], _now())
        seconds = time.perf_counter() - started
        self.figures["peer_batch_append_events_per_s"] = (self.peer.head() - before) / seconds
        log(f"peer batches: {self.peer.head() - before} events in {seconds:.1f} s")

    def import_until(self, history, head):
        """Import generated history until the log holds ``head`` events; returns
        (events, seconds) of the import calls alone (generation is untimed)."""
        from events import importing, store
        from events.models import StoredEvent

        imported, seconds = 0, 0.0
        missing = head - StoredEvent.objects.count()
        meta = store.metadata(actor="bench-import", source="seed")
        while missing > 0:
            chunk = history.take(min(IMPORT_CHUNK, missing))
            started = time.perf_counter()
            importing.import_events(chunk, metadata=meta, batch_size=IMPORT_BATCH)
            seconds += time.perf_counter() - started
            imported += len(chunk)
            missing -= len(chunk)
        return imported, seconds

    # --- Rebuild --------------------------------------------------------------

    def rebuild_child(self):
        """One ``rebuild_readmodels`` in a fresh process (``bench.rebuild_child``)."""
        import subprocess
        import sys

        from django.db import connections

        connections.close_all()  # no open transaction of ours in its way
        result = subprocess.run([sys.executable, "-m", "bench.rebuild_child"], capture_output=True, text=True,
                                env=dict(os.environ), cwd=_root(), check=False)
        if result.returncode:
            raise RuntimeError(f"rebuild_readmodels failed:\n{result.stderr[-3000:]}")
        return json.loads(result.stdout.strip().splitlines()[-1])

    def imports_and_rebuilds(self, history):
        """``import_events_per_s``: generated history (``bench.data.History``) through
        ``events.importing.import_events`` — 20,000 events per transaction, the
        append lock, version checks, COPY on PostgreSQL — events / seconds of the
        import calls (validation, encoding, insert, commit), over every import of
        the run.

        ``rebuild_events_per_s``: ``manage.py rebuild_readmodels`` (in a process of
        its own, ``bench.rebuild_child``) over the whole log at ``rebuild_events``
        events: the log's length / the command's wall time. It empties the tables
        (holding the smaller rebuild's rows) and replays every event.

        ``rebuild_peak_rss_mb`` and ``rebuild_small_peak_rss_mb``: that process's
        peak resident memory at ``rebuild_events`` and at ``rebuild_small_events``
        (a tenth); ``rebuild_rss_ratio`` = large / small shows whether memory
        stays flat as the log grows (target ≤ 1.2)."""
        imported, seconds = self.import_until(history, self.preset.rebuild_small_events)
        small = self.rebuild_child()
        log(f"rebuild at {small['events']} events: {small['seconds']:.1f} s, {small['peak_rss_mb']:.0f} MB")
        more, more_seconds = self.import_until(history, self.preset.rebuild_events)
        imported, seconds = imported + more, seconds + more_seconds
        large = self.rebuild_child()
        log(f"rebuild at {large['events']} events: {large['seconds']:.1f} s, {large['peak_rss_mb']:.0f} MB")
        self.figures.update(
            rebuild_small_events=small["events"], rebuild_small_peak_rss_mb=small["peak_rss_mb"],
            rebuild_small_events_per_s=small["events"] / small["seconds"],
            rebuild_events=large["events"], rebuild_seconds=large["seconds"],
            rebuild_events_per_s=large["events"] / large["seconds"], rebuild_peak_rss_mb=large["peak_rss_mb"],
            rebuild_rss_ratio=large["peak_rss_mb"] / small["peak_rss_mb"],
        )
        return imported, seconds

    def top_up(self, history, imported, seconds):
        """Grow the read model to ``min_appointments`` (import, then catch up).

        ``catchup_events_per_s`` (when a top-up was needed): the projectors'
        incremental catch-up (``readmodels.runner.run``, batches of 500
        events, checkpoint in the same transaction) over the events imported
        since the rebuild: events / seconds. The card process is left out: over
        an imported history it would start a card for every appointment (its
        own figures: ``cards``)."""
        from events.models import StoredEvent
        from readmodels import runner
        from readmodels.models import Appointment
        from readmodels.projectors import PROJECTORS

        missing = self.preset.min_appointments - Appointment.objects.count()
        self.figures["catchup_events_per_s"] = None
        if missing > 0:
            created = StoredEvent.objects.filter(type="APPOINTMENT_CREATED").count
            target = created() + missing
            more, more_seconds = 0, 0.0
            while created() < target:
                head = StoredEvent.objects.count() + min(IMPORT_CHUNK, 2 * (target - created()) + 100)
                chunk, chunk_seconds = self.import_until(history, head)
                more, more_seconds = more + chunk, more_seconds + chunk_seconds
            imported, seconds = imported + more, seconds + more_seconds
            before = runner.projected_position()
            started = time.perf_counter()
            for projector in PROJECTORS:
                _project(projector)
            catchup = time.perf_counter() - started
            self.figures["catchup_events_per_s"] = StoredEvent.objects.filter(position__gt=before).count() / catchup
            log(f"catch-up of {more} imported events: {catchup:.1f} s")
        self.figures.update(import_events=imported, import_events_per_s=imported / seconds if seconds else None)
        self.figures["detail_appointments"] = Appointment.objects.count()

    # --- Reads ----------------------------------------------------------------

    def client(self):
        import secrets

        from rest_framework.test import APIClient

        from clinic.roles.accounts import enrol
        from clinic.roles.rules import Role
        from clinic.signin import tokens

        user, _ = enrol("bench", Role.MANAGER, secrets.token_urlsafe(16))  # may do every call it measures
        token, _ = tokens.issue(user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    def detail(self):
        """``detail_ms_p50`` / ``detail_ms_p99``: ``GET /api/appointments/{id}/``
        through Django's in-process test client (URL routing, middleware, token
        authentication, the role permission, the serializer, JSON rendering),
        for random appointments among all of them (``detail_appointments``);
        wall time per request in ms, after a warm-up. ``detail_queries``: the
        SQL queries one request makes on the read models (the appointment with
        its doctor and patient: must be 1); ``detail_queries_total`` adds the
        token lookup, the user's role and the read audit's INSERT.

        ``fold_detail_ms_p50``: the same body built per request by folding the
        appointment's, doctor's and patient's event streams
        (``bench.baselines``), through the same view machinery, for the same
        appointments. Before timing, both answers are checked equal.
        ``unaudited_detail_ms_p50``: the same endpoint without the read audit's
        INSERT (``bench.baselines``), interleaved request by request with the
        audited one so both see the same machine; ``audit_ms_p50`` is the
        difference of the two medians, what the audit adds to a read.
        ``fold_events_per_request``: the median number of events those three
        streams hold — the fold's cost grows with it (the doctor's stream gains
        two events per working day), the join's does not."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from readmodels.models import Appointment

        client = self.client()
        ids = list(Appointment.objects.values_list("id", flat=True))
        sample = [self.rng.choice(ids) for _ in range(self.preset.detail_requests + self.preset.warmup)]
        for appointment_id in sample[:min(20, len(sample))]:
            real = client.get(f"/api/appointments/{appointment_id}/")
            folded = client.get(f"/bench/fold/appointments/{appointment_id}/")
            if real.status_code != 200 or real.json() != folded.json():
                raise AssertionError(f"fold baseline disagrees with the API for {appointment_id}: "
                                     f"{real.status_code} {real.content[:300]!r} vs {folded.content[:300]!r}")
        self.figures["fold_events_per_request"] = percentile(
            [self._stream_events(appointment_id) for appointment_id in sample[:20]], 50)
        with CaptureQueriesContext(connection) as queries:
            client.get(f"/api/appointments/{sample[0]}/")
        self.figures["detail_queries"] = sum(1 for q in queries.captured_queries if "readmodels_" in q["sql"])
        self.figures["detail_queries_total"] = len(queries.captured_queries)

        self.figures["detail_ms_p50"], self.figures["detail_ms_p99"] = self._time_gets(
            client, "/api/appointments/{}/", sample, self.preset.detail_requests)
        audited, unaudited = self._time_paired(client, "/api/appointments/{}/", "/bench/unaudited/appointments/{}/",
                                               sample, self.preset.detail_requests)
        self.figures["audited_detail_ms_p50"], self.figures["unaudited_detail_ms_p50"] = audited, unaudited
        self.figures["audit_ms_p50"] = audited - unaudited
        log(f"detail p50 with the read audit {audited:.2f} ms, without {unaudited:.2f} ms")
        fold_p50, _ = self._time_gets(client, "/bench/fold/appointments/{}/", sample, self.preset.fold_requests)
        self.figures["fold_detail_ms_p50"] = fold_p50
        log(f"detail p50 {self.figures['detail_ms_p50']:.2f} ms, fold p50 {fold_p50:.2f} ms")

    def cards(self):
        """``card_ms_p50`` / ``card_ms_p99``: ``GET /api/appointment-cards/{id}/``,
        the seed's other answer (docs/architecture.md, "The seed's other answer"),
        timed like ``detail_ms_p50`` over random cards. The card process is not
        run over the whole imported log (it would start a card for every
        appointment): it starts the cards of up to ``CARD_APPOINTMENTS`` random
        appointments (``card_appointments``), through its own subscribers' code,
        and the card projector projects them; each is checked equal to the
        detail's facts first. ``card_queries``: read-model queries per request
        (must be 1, with no join).

        ``card_rename_ms`` / ``card_rename_cards``: a rename of the doctor with
        the most of those cards — the command, then the finder sending it to every
        card that names the doctor, then the projector — where the join changes
        one row; ``card_rename_ms_per_card`` is the fan-out's cost per card."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from events import handlers, store
        from events.domain import card
        from events.domain.commands import UpdateDoctor
        from events.models import CardLink
        from events.processes import CardFinder, CardTracker
        from readmodels.models import Appointment
        from readmodels.projectors import by_name

        client = self.client()
        ids = list(Appointment.objects.values_list("id", flat=True))
        chosen = self.rng.sample(ids, min(CARD_APPOINTMENTS, len(ids)))
        finder = CardFinder()
        for appointment_id in chosen:
            CardTracker.track(appointment_id)
            (started, *_), = store.read_histories([card.stream_id(appointment_id)])
            finder.apply(started, None)
        _project(by_name("cards"))
        self.figures["card_appointments"] = len(chosen)
        for appointment_id in chosen[:20]:
            shown = client.get(f"/api/appointments/{appointment_id}/").json()
            carded = client.get(f"/api/appointment-cards/{appointment_id}/").json()
            if {key: shown[key] for key in carded} != carded:
                raise AssertionError(f"the card disagrees with the detail for {appointment_id}: {carded} vs {shown}")
        sample = [self.rng.choice(chosen) for _ in range(self.preset.detail_requests + self.preset.warmup)]
        with CaptureQueriesContext(connection) as queries:
            client.get(f"/api/appointment-cards/{sample[0]}/")
        read = [q["sql"] for q in queries.captured_queries if "readmodels_" in q["sql"]]
        self.figures["card_queries"] = len(read) if all("JOIN" not in sql for sql in read) else -1
        self.figures["card_ms_p50"], self.figures["card_ms_p99"] = self._time_gets(
            client, "/api/appointment-cards/{}/", sample, self.preset.detail_requests)

        busiest = max(set(CardLink.objects.values_list("doctor_id", flat=True)),
                      key=lambda doctor_id: CardLink.objects.filter(doctor_id=doctor_id).count())
        cards_named = CardLink.objects.filter(doctor_id=busiest).count()
        ctx = handlers.Context(actor="bench", source="seed")
        started = time.perf_counter()
        handlers.dispatch(ctx, UpdateDoctor(busiest, name="Renamed For The Bench"))
        CardFinder.doctor_changed(busiest)
        _project(by_name("cards"))
        _project(by_name("doctors"))
        took = (time.perf_counter() - started) * 1000
        self.figures["card_rename_cards"] = cards_named
        self.figures["card_rename_ms"] = took
        self.figures["card_rename_ms_per_card"] = took / cards_named
        log(f"card p50 {self.figures['card_ms_p50']:.2f} ms; a doctor's rename reached {cards_named} cards "
            f"in {took:.1f} ms")

    def rename_fanout(self):
        """What a patient's rename costs each answer, for a patient with n = 1, 100
        and 1,000 appointments (the preset's ``renamed_patients``), each appointment's card
        started and complete first. ``rename_fanout_ms_<n>``: the rename command,
        then the card finder sending the new name to every card that names the
        patient, then the card projector — the time until every card shows the
        new name (checked). ``rename_join_ms_<n>``: the same command, then the
        patients projector — the time until the join shows it (one row, checked).
        ``rename_events_<n>``: events appended, the rename's and the cards' (the
        join: the rename's one; each card event then rewrites one card row)."""
        from events import handlers, store
        from events.domain import card
        from events.domain.commands import BookAppointment, RegisterDoctor, RegisterPatient, UpdatePatient
        from events.processes import CardFinder, CardTracker
        from readmodels.models import AppointmentCard, Patient
        from readmodels.projectors import PROJECTORS, by_name

        ctx = handlers.Context(actor="bench", source="seed")
        doctor_id = handlers.dispatch(ctx, RegisterDoctor(name="Fan Out", specialty="General practice")).id
        slots = _weekday_slots(date(2031, 1, 6))
        finder = CardFinder()
        for n in self.preset.renamed_patients:
            patient_id = handlers.dispatch(ctx, RegisterPatient(name=f"Ada Fanout {n}",
                                                                date_of_birth=date(1980, 1, 1))).id
            for _ in range(n):
                day, at = next(slots)
                booked = handlers.dispatch(ctx, BookAppointment(doctor_id=doctor_id, patient_id=patient_id, day=day,
                                                                time=at, duration_minutes=15)).id
                CardTracker.track(booked)
                (started, *_), = store.read_histories([card.stream_id(booked)])
                finder.apply(started, None)
            for projector in PROJECTORS:
                _project(projector)
            name, head = f"Grace Fanout {n}", store.head_position()
            started_at = time.perf_counter()
            handlers.dispatch(ctx, UpdatePatient(patient_id, name=name))
            _project(by_name("patients"))
            joined = (time.perf_counter() - started_at) * 1000
            CardFinder.patient_changed(patient_id)
            _project(by_name("cards"))
            carded = (time.perf_counter() - started_at) * 1000
            cards = AppointmentCard.objects.filter(patient_id=patient_id)
            if Patient.objects.get(pk=patient_id).name != name or cards.count() != n or any(
                    c.document["patient"]["name"] != name for c in cards):
                raise AssertionError(f"the rename of a patient with {n} appointments did not reach every answer")
            self.figures.update({f"rename_join_ms_{n}": joined, f"rename_fanout_ms_{n}": carded,
                                 f"rename_events_{n}": store.head_position() - head})
            log(f"rename, a patient with {n} appointment{'s' if n != 1 else ''}: join {joined:.1f} ms, "
                f"cards {carded:.1f} ms "
                f"({store.head_position() - head} events)")

    @staticmethod
    def _stream_events(appointment_id):
        """Events the fold reads for one appointment: its own, its doctor's, its patient's."""
        from events.models import StoredEvent
        from readmodels.models import Appointment

        row = Appointment.objects.get(pk=appointment_id)
        return StoredEvent.objects.filter(stream_id__in=[row.pk, row.doctor_id, row.patient_id]).count()

    def _time_paired(self, client, url, other_url, sample, count):
        """Median ms of two URLs, timed alternately over the same sample."""
        times = {url: [], other_url: []}
        for appointment_id in sample[:self.preset.warmup + count]:
            for each in (url, other_url) if len(times[url]) % 2 else (other_url, url):
                started = time.perf_counter()
                response = client.get(each.format(appointment_id))
                times[each].append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise AssertionError(f"{each.format(appointment_id)}: {response.status_code}")
        warmup = self.preset.warmup
        return percentile(times[url][warmup:], 50), percentile(times[other_url][warmup:], 50)

    def _time_gets(self, client, url, sample, count):
        warmup = self.preset.warmup
        for appointment_id in sample[:warmup]:
            client.get(url.format(appointment_id))
        times = []
        for appointment_id in sample[warmup:warmup + count]:
            started = time.perf_counter()
            response = client.get(url.format(appointment_id))
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise AssertionError(f"{url.format(appointment_id)}: {response.status_code}")
        return percentile(times, 50), percentile(times, 99)

    def lists(self):
        """``nplus1_list_ms_p50`` vs ``join_list_ms_p50``: one day's first 50
        appointments serialized with their doctor and patient
        (``AppointmentSerializer``), without ``select_related`` (each row then
        fetches its doctor and its patient: ``nplus1_list_queries``) and with it
        (``selectors.appointments()``: ``join_list_queries``). In-process, ORM and
        serializer only; random days; ms per page; the two alternate."""
        from django.db import connection
        from django.db.models import Count
        from django.test.utils import CaptureQueriesContext

        from readmodels.models import Appointment

        from .baselines import PAGE, join_page, list_page, nplus1_page

        days = [row["day"] for row in Appointment.objects.values("day").annotate(n=Count("id")).filter(n__gte=PAGE)]
        for name, page in (("nplus1", nplus1_page), ("join", join_page)):
            with CaptureQueriesContext(connection) as queries:
                rows = list_page(page(days[0]))
            assert len(rows) == PAGE, (name, len(rows))
            self.figures[f"{name}_list_queries"] = len(queries.captured_queries)
        timings = {"nplus1": [], "join": []}
        for round_ in range(self.preset.warmup // 3 + self.preset.list_rounds):
            day = self.rng.choice(days)
            order = [("nplus1", nplus1_page), ("join", join_page)]
            for name, page in order if round_ % 2 else order[::-1]:
                started = time.perf_counter()
                list_page(page(day))
                if round_ >= self.preset.warmup // 3:
                    timings[name].append((time.perf_counter() - started) * 1000)
        self.figures["nplus1_list_ms_p50"] = percentile(timings["nplus1"], 50)
        self.figures["join_list_ms_p50"] = percentile(timings["join"], 50)
        log(f"list: n+1 {self.figures['nplus1_list_ms_p50']:.2f} ms, join {self.figures['join_list_ms_p50']:.2f} ms")

    def read_logs(self):
        """``readall_events_per_s``: Clinic's global log read in position order by
        the API feed's reader, ``events.store.read_feed(after=…, limit=500)``, page
        after page over the first ``read_events`` events: every row a
        ``FeedEvent`` with its data and metadata JSON decoded, personal fields
        opened, data upcast to today's shape, both times aware datetimes — what
        the feed serializes, not an event class (the feed shows dicts; handlers
        and projectors decode to classes with ``read_histories`` and ``read_log``).
        ``peer_log_read_events_per_s``: the peer's notification log read in order,
        500 at a time, each record decoded to its domain event (JSON decoded, its
        timestamp parsed), over its whole log (``read_events`` events too, or
        close). ``readall_vs_peer``: the first over the second.

        Each whole read takes about a second, so the two take turns for
        ``LOG_READ_PASSES`` passes each and each keeps its fastest: one pass of
        each, the peer's second, let a passing disturbance (the database tidying
        up after the writes before this section) fall on one side only."""
        from events import store

        count = self.peer.head() if self.peer else self.preset.peer_log_events
        store.read_feed(after=0, limit=PAGE_READ)  # warm the connection and statement
        if self.peer:
            self.peer.recorder.select_notifications(start=1, limit=PAGE_READ)
        ours, peers = [], []
        for _ in range(LOG_READ_PASSES):
            ours.append(_timed(lambda: _read_feed(count)))
            if self.peer:
                peers.append(_timed(lambda: self.peer.read_log(PAGE_READ)))
        read, seconds = min(ours, key=lambda run: run[1])
        self.figures["read_events"] = read
        self.figures["readall_events_per_s"] = read / seconds
        if self.peer:
            peer_read, peer_seconds = min(peers, key=lambda run: run[1])
            self.figures["peer_log_read_events_per_s"] = peer_read / peer_seconds
        log(f"read: {read} events in {seconds:.2f} s"
            + (f"; peer {peer_read} in {peer_seconds:.2f} s" if self.peer else "")
            + f" (fastest of {LOG_READ_PASSES} passes each)")

    # --- The run --------------------------------------------------------------

    def database_facts(self):
        import django
        from django.db import connection

        self.figures["django_version"] = django.get_version()
        if self.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                self.figures["db_version"] = f"PostgreSQL {cursor.fetchone()[0]}"
                for setting in ("fsync", "synchronous_commit", "shared_buffers"):
                    cursor.execute(f"SHOW {setting}")
                    self.figures[f"db_{setting}"] = cursor.fetchone()[0]
        else:
            with connection.cursor() as cursor:
                cursor.execute("select sqlite_version()")
                self.figures["db_version"] = f"SQLite {cursor.fetchone()[0]}"
                cursor.execute("PRAGMA journal_mode")
                self.figures["db_journal_mode"] = cursor.fetchone()[0]
                cursor.execute("PRAGMA synchronous")
                self.figures["db_synchronous"] = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(
                    cursor.fetchone()[0])
        if self.peer:
            from importlib.metadata import version

            self.figures["peer_version"] = f"eventsourcing {version('eventsourcing')}"
        self.figures["peer_note"] = self.peer_error

    def run(self):
        from events.store import events_committed
        from readmodels.signals import project_new_events

        from . import concurrent
        from .data import History

        self.database_facts()
        events_committed.disconnect(project_new_events)  # see the module docstring
        only = _only()
        if not only:
            self.append()
            self.history()
        if not only or "read_logs" in only:
            self.peer_batches()  # it also grows the peer's log that read_logs reads
        history = History(seed=2, first_patients=self.preset.first_patients)
        imported, seconds = self.imports_and_rebuilds(history) if not only else (0, 0.0)
        self.top_up(history, imported, seconds)
        for section in READS:
            if not only or section in only:
                getattr(self, section)()
        if not only:
            self.figures.update(concurrent.measure(self, self.preset.concurrent_seconds))  # PostgreSQL only
        if self.peer:
            self.peer.close()
        return self.figures


# The read figures, in the order of the run. BENCH_ONLY=detail (or a comma-separated
# list of these) measures only those, on a read model filled as for the whole run:
# for quick turns while working on one of them. The table (and bench/results/latest.json)
# then lacks every other figure.
def _project(subscriber):
    """Run a subscriber over what this process has committed: on PostgreSQL a commit
    is readable once every older transaction on the server has ended (events.store),
    so wait for that first (a bench on a shared server can meet one)."""
    from events import store
    from readmodels import runner

    deadline = time.monotonic() + 30
    while store.head_position() < store.last_position() and time.monotonic() < deadline:
        time.sleep(0.005)
    return runner.run(subscriber)


READS = ("detail", "cards", "rename_fanout", "lists", "read_logs")


def _read_feed(count):
    """Read the first ``count`` events of Clinic's log as the feed does; returns how many were read."""
    from events import store

    read, after = 0, 0
    while read < count:
        events = store.read_feed(after=after, limit=min(PAGE_READ, count - read))
        if not events:
            break
        read += len(events)
        after = events[-1].position
    return read


def _timed(read):
    """(what ``read`` returns, its wall time in seconds)."""
    started = time.perf_counter()
    result = read()
    return result, time.perf_counter() - started


def _only():
    """The read figures BENCH_ONLY names; empty for the whole run."""
    named = {name.strip() for name in os.environ.get("BENCH_ONLY", "").split(",") if name.strip()}
    unknown = named - set(READS)
    if unknown:
        raise SystemExit(f"BENCH_ONLY: no such section {sorted(unknown)}; choose among {', '.join(READS)}")
    return named


def _weekday_slots(monday):
    """(day, time) on the default week's grid — weekdays 08:00 to 17:45, every 15
    minutes — from ``monday`` on, endlessly."""
    day = monday
    while True:
        if day.weekday() < 5:
            for minutes in range(8 * 60, 18 * 60, 15):
                yield day, clock(minutes // 60, minutes % 60)
        day += timedelta(days=1)


def _now():
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)


def _root():
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="quick")
    parser.add_argument("--out", required=True)
    parser.add_argument("--no-peer", action="store_true")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    figures = Suite(PRESETS[args.preset], with_peer=not args.no_peer).run()
    with open(args.out, "w") as out:
        json.dump(figures, out, indent=1, sort_keys=True, default=str)


if __name__ == "__main__":
    main()
