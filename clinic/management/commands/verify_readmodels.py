from argparse import ArgumentTypeError

from django.core.management.base import BaseCommand

from clinic.progress import progress_bar
from events import store
from readmodels import rebuild, runner
from readmodels.models import DeadLetter
from readmodels.projectors import PROJECTORS

SHOWN = 10


def _events(value):
    if not value.isdigit():
        raise ArgumentTypeError(f"give a whole number of events, 0 or more, not {value!r}")
    return int(value)


class Command(BaseCommand):
    help = ("Check the read models: that every projector has kept up with the event log (within --max-lag "
            "events), and that a replay of the log, made apart in a transaction that is rolled back, gives "
            "exactly the live tables. Exits 1 when either is not so. Differing rows are named by their ids "
            "and the columns that differ, never by their values (they hold patients' personal data).")

    def add_arguments(self, parser):
        parser.add_argument("--max-lag", type=_events, default=0, metavar="EVENTS",
                            help="How many positions a projector may trail the head of the log (default 0).")

    def handle(self, *args, max_lag=0, **options):
        behind = self.report_lag(max_lag) | self.report_dead_letters()
        total = store.read_all().count()
        # Progress counts log positions covered, once per projector.
        with progress_bar(self, total=store.head_position() * len(PROJECTORS), unit="event", desc="Verifying") as bar:
            diff = rebuild.verify(progress=bar.update)
        if not diff:
            where = "at the positions projected so far" if behind else f"of {total} events"
            self.stdout.write(self.style.SUCCESS(f"Read models match a replay {where}."))
            if behind:
                raise SystemExit(1)
            return
        for table, rows in rebuild.differences(diff).items():
            only_live = sum(1 for row in rows if row.side == "live")
            only_replay = sum(1 for row in rows if row.side == "replay")
            self.stdout.write(self.style.ERROR(
                f"{table}: {len(rows) - only_live - only_replay} row(s) differ, {only_live} only in the live "
                f"table, {only_replay} only in the replay"))
            for row in rows[:SHOWN]:
                self.stdout.write(f"  {row}")
            if len(rows) > SHOWN:
                self.stdout.write(f"  … and {len(rows) - SHOWN} more")
        self.stdout.write("Run `manage.py rebuild_readmodels` to replace the live tables with the replay.")
        raise SystemExit(1)

    def report_dead_letters(self):
        """Print the events projectors parked; return whether there are any."""
        letters = list(DeadLetter.objects.all()[:SHOWN + 1])
        for letter in letters[:SHOWN]:
            self.stdout.write(self.style.ERROR(
                f"{letter.projector} parked the {letter.event_type} event at position {letter.position}: "
                f"{letter.error.splitlines()[0] if letter.error else ''}"))
        if letters:
            self.stdout.write("Fix the cause, then `manage.py retry_dead_letters` (docs/operations.md).")
        return bool(letters)

    def report_lag(self, max_lag):
        """Print the projectors that trail the head by more than ``max_lag``; return whether any does."""
        head, positions = store.head_position(), runner.checkpoint_positions()
        behind = {name: position for name, position in positions.items() if head - position > max_lag}
        for name, position in behind.items():
            lag = head - position
            self.stdout.write(self.style.ERROR(
                f"{name} is at position {position}, {lag} event{'s' if lag != 1 else ''} behind the head ({head})."))
        if behind:
            allowed = f"more than {max_lag} event{'s' if max_lag != 1 else ''} behind" if max_lag else "behind"
            self.stdout.write(
                f"Projection is {allowed}. Check that the Celery workers and beat are running and reach the broker "
                "(production), or restart the web process (embedded mode): each catches up when it starts. "
                "Then verify again.")
        return bool(behind)
