from django.core.management.base import BaseCommand

from clinic.progress import progress_bar
from events import store
from readmodels import rebuild
from readmodels.projectors import PROJECTORS

SHOWN = 10


class Command(BaseCommand):
    help = ("Rebuild the read models apart (in a transaction that is rolled back) and compare them "
            "with the live tables. Exits 1 and prints the differing rows when they differ.")

    def handle(self, *args, **options):
        total = store.read_all().count()
        # Progress counts log positions covered, once per projector.
        with progress_bar(self, total=store.head_position() * len(PROJECTORS), unit="event", desc="Verifying") as bar:
            diff = rebuild.verify(progress=bar.update)
        if not diff:
            self.stdout.write(self.style.SUCCESS(f"Read models match a replay of {total} events."))
            return
        for table, (only_live, only_rebuilt) in diff.items():
            self.stdout.write(self.style.ERROR(
                f"{table}: {len(only_live)} row(s) only in the live table, {len(only_rebuilt)} only in the replay"))
            for label, rows in (("live  ", only_live), ("replay", only_rebuilt)):
                for row in rows[:SHOWN]:
                    self.stdout.write(f"  {label} {dict(row)}")
        self.stdout.write("Run `manage.py rebuild_readmodels` to replace the live tables with the replay.")
        raise SystemExit(1)
