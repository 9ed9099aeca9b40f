"""Concurrent appends: N writer processes opening new streams, Clinic and the peer.

``concurrent_append_events_per_s_<n>`` (n = 1, 2, 4, 8, PostgreSQL only): n OS
processes (``multiprocessing``, spawned: each starts Django itself on the
suite's database and settings) run registrations — ``RegisterDoctor`` and
``RegisterPatient``, each with a new id, so no two commands touch one stream and
none conflicts — through Clinic's command layer (``bench.data.ClinicCommands``:
``handlers.dispatch``, one transaction per command) for ``concurrent_seconds``
(the preset's) each. Each process warms up with a few commands, then all wait
for one start signal. The figure is the events the log gained (counted in the
database) / the window's wall time, from the first process starting after the
signal to the last one finishing its last command. Set-up and warm-up are
outside the window.

``peer_concurrent_append_events_per_s_<n>``: the same, with the peer
(``bench.peer.PeerClinic``, one ``save`` per command) on its PostgreSQL
recorder, the same commands; the events its notification log gained.

For each n, Clinic runs first and then the peer (1, then 2, …), so drift in the
machine's load hits both alike. The eight processes are spawned once for the
whole part, each with both writers set up (``concurrent_append_setup_seconds``);
a run takes the first n. Also reported: ``…_events_<n>`` (events in the window),
``concurrent_append_run_seconds`` (each run's length) and
``concurrent_append_part_seconds`` (the whole part, set-up included). As in the suite's ``append``, projection on
commit is switched off in the writers: the write side alone. SQLite allows one
writer at a time, so this part runs on PostgreSQL only. It measures whatever the
store does about concurrent appends; nothing here assumes how it orders them.
"""
import multiprocessing
import queue
import secrets
import time
import traceback

WRITERS = (1, 2, 4, 8)
WARMUP_COMMANDS = 5  # per process, before the start signal
READY_SECONDS = 180  # for a process to start Django and warm up, on a loaded machine
CONNECT_SECONDS = 60  # how long a writer waits for a connection slot on a full server, at set-up
DONE_MARGIN_SECONDS = 120  # past its window, for a process to report
REGISTRATIONS_PER_ROUND = 100  # commands made at a time (a fifth doctors, the rest patients)


def registrations():
    """Endless registration commands, a new stream each: the opening of
    ``bench.data.command_script`` (its doctors, then its patients), with a fresh
    random seed per round so that no id comes twice — neither within this run nor
    across runs, processes, or the suite's own scripts."""
    from .data import command_script

    doctors = REGISTRATIONS_PER_ROUND // 5
    while True:
        yield from command_script(0, seed=secrets.randbits(64), doctors=doctors,
                                  patients=REGISTRATIONS_PER_ROUND - doctors)


def measure(suite, seconds):
    """The figures for Clinic and (when the suite has it) the peer at every n in
    ``WRITERS``; {} on SQLite."""
    from .suite import log

    if suite.vendor != "postgresql":
        return {}
    figures = {"concurrent_append_run_seconds": seconds}
    started = time.perf_counter()
    systems = [("clinic", "concurrent_append", _clinic_head)]
    if suite.peer:  # it made the peer's tables: the writers need not
        systems.append(("peer", "peer_concurrent_append", suite.peer.head))
    with Writers(max(WRITERS), with_peer=bool(suite.peer)) as writers:
        figures["concurrent_append_setup_seconds"] = time.perf_counter() - started
        for n in WRITERS:
            for system, name, head in systems:
                events, window = writers.run(system, n, seconds, head)
                figures[f"{name}_events_{n}"] = events
                figures[f"{name}_events_per_s_{n}"] = events / window
            log(f"concurrent append, {n} writer{'s' if n > 1 else ''}: "
                + "; ".join(f"{system} {figures[f'{name}_events_per_s_{n}']:,.0f} events/s"
                            for system, name, _ in systems))
    figures["concurrent_append_part_seconds"] = time.perf_counter() - started
    return figures


def _clinic_head():
    from events.models import StoredEvent

    return StoredEvent.objects.count()


class Writers:
    """``count`` writer processes, spawned once for every run (starting Django
    in a process takes seconds, far longer than a run): each sets up Clinic's
    writer and the peer's, then waits for orders. A run takes the first n.
    Leaving the ``with`` block ends them all, on an error too."""

    def __init__(self, count, with_peer):
        context = multiprocessing.get_context("spawn")
        self.results, self.go = context.Queue(), context.Event()
        self.orders = [context.Queue() for _ in range(count)]
        self.processes = [context.Process(target=_writer, args=(index, with_peer, self.orders[index], self.results,
                                                                self.go),
                                          daemon=True, name=f"bench-writer-{index}") for index in range(count)]

    def __enter__(self):
        try:
            for process in self.processes:
                process.start()
            _collect(self.processes, self.results, "set up", READY_SECONDS)
        except BaseException:
            self.__exit__()
            raise
        return self

    def run(self, system, n, seconds, head):
        """Run the first ``n`` writers of ``system`` for ``seconds``; (events written, window seconds)."""
        chosen = self.processes[:n]
        self.go.clear()
        for order in self.orders[:n]:
            order.put((system, seconds))
        _collect(chosen, self.results, "ready", READY_SECONDS)
        before = head()
        self.go.set()
        done = _collect(chosen, self.results, "done", seconds + DONE_MARGIN_SECONDS)
        written = head() - before
        counted = sum(count for count, _, _ in done.values())
        if counted != written:
            raise AssertionError(f"{system}, {n} writers: the writers counted {counted} events, "
                                 f"the log gained {written}")
        window = max(end for _, _, end in done.values()) - min(start for _, start, _ in done.values())
        return written, window

    def __exit__(self, *exc_info):
        for order in self.orders:
            order.put(None)  # a writer waiting for orders ends
        for process in self.processes:
            if process.pid is None:
                continue  # never started
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()
            process.close()
        for each in (self.results, *self.orders):
            each.close()
            each.join_thread()


def _collect(processes, messages, kind, timeout):
    """Wait for a ``kind`` message from each of ``processes`` (writers 0 to n-1);
    {index: its payload}. Raises if one fails, dies without a word, or the time
    runs out."""
    got, silent, deadline = {}, set(), time.monotonic() + timeout
    while len(got) < len(processes):
        try:
            message = messages.get(timeout=0.5)
        except queue.Empty:
            # A process that has exited may still have its last message in the pipe: give it one more poll.
            exited = {index for index, process in enumerate(processes)
                      if index not in got and process.exitcode is not None}
            if exited & silent:
                index = min(exited & silent)
                raise RuntimeError(f"writer {index} exited ({processes[index].exitcode}) before it was {kind}") \
                    from None
            silent = exited
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(processes) - len(got)} writers not {kind} after {timeout} s") from None
            continue
        if message[0] == "failed":
            raise RuntimeError(f"writer {message[1]} failed:\n{message[2]}")
        if message[0] != kind:
            raise RuntimeError(f"writer {message[1]} said {message[0]!r}, expected {kind!r}")
        got[message[1]] = message[2:]
    return got


# --- In each writer process ---------------------------------------------------

def _writer(index, with_peer, orders, results, go):
    """Set up both writers, then for each order (system, seconds): warm up, say
    ready, wait for the start, run commands for ``seconds`` and report (events,
    started, ended) on the monotonic clock, which all processes share. Ends on
    the order ``None``, or when the parent process is gone."""
    try:
        import os

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
        import django

        django.setup()
        from django.db import connections

        from events.store import events_committed
        from readmodels.signals import project_new_events

        events_committed.disconnect(project_new_events)  # the write side alone, as in the suite
        systems = {}
        try:
            commands = registrations()
            for system in ("clinic", "peer") if with_peer else ("clinic",):
                systems[system] = _set_up(system, commands)
            results.put(("set up", index))
            while (order := _wait(orders.get)) is not None:
                system, seconds = order
                run = systems[system][0]
                for _ in range(WARMUP_COMMANDS):
                    run(next(commands))
                results.put(("ready", index))
                if not _wait(go.wait):
                    return
                written, started = 0, time.monotonic()
                deadline = started + seconds
                while time.monotonic() < deadline:
                    command = next(commands)
                    run(command)
                    written += command.events
                results.put(("done", index, written, started, time.monotonic()))
        finally:
            for _, close in systems.values():
                close()
            connections.close_all()
    except Exception:
        results.put(("failed", index, traceback.format_exc()))


def _wait(wait):
    """``wait(timeout=1)`` until it gives something, or None once the parent is gone:
    no writer outlives the suite, whatever ends it."""
    parent = multiprocessing.parent_process()
    while parent is None or parent.is_alive():
        try:
            got = wait(timeout=1)
        except queue.Empty:
            continue
        if got is not False:
            return got
    return None


def _set_up(system, commands):
    """``system``'s writer, connected and warmed up, so that no run opens a
    connection. A server full for a moment (other work on it: "too many clients")
    is waited for, up to ``CONNECT_SECONDS``, rather than failing the part."""
    import psycopg
    from django.db import OperationalError, connections

    refusals: tuple[type[Exception], ...] = (OperationalError, psycopg.OperationalError)
    if system == "peer":  # the peer's library is installed only with bench/requirements.txt
        from eventsourcing.persistence import OperationalError as PeerOperationalError
        refusals += (PeerOperationalError,)
    deadline = time.monotonic() + CONNECT_SECONDS
    while True:
        writer = None
        try:
            writer = _clinic_writer() if system == "clinic" else _peer_writer()
            for _ in range(WARMUP_COMMANDS):
                writer[0](next(commands))
            return writer
        except refusals as error:
            if writer:
                writer[1]()
            if system == "clinic":
                connections.close_all()
            full = any(words in str(error) for words in ("too many clients", "remaining connection slots"))
            if not full or time.monotonic() > deadline:
                raise
            time.sleep(1)


def _clinic_writer():
    from .data import ClinicCommands

    return ClinicCommands(), lambda: None


def _peer_writer():
    from django.conf import settings

    from . import peer
    from .suite import _now

    # The suite's peer made its tables; one connection per writer, as Clinic's.
    env = {**peer.environment(settings.DATABASES["default"]), "CREATE_TABLE": "no", "POSTGRES_POOL_SIZE": "1"}
    app = peer.PeerClinic(env)
    return (lambda command: app(command, _now())), app.close
