from django.core.management.base import BaseCommand

from clinic.progress import progress_bar
from events import store
from readmodels import rebuild
from readmodels.projectors import PROJECTORS, by_name


class Command(BaseCommand):
    help = "Empty the read-model tables and replay every event into them. Runs unattended."

    def add_arguments(self, parser):
        parser.add_argument("--projector", action="append", help="Only this projector (repeatable).")

    def handle(self, *args, projector=None, **options):
        try:
            projectors = [by_name(n) for n in projector] if projector else list(PROJECTORS)
        except LookupError as error:
            self.stderr.write(str(error))
            raise SystemExit(2) from None
        # Progress counts log positions covered, once per projector.
        head = store.head_position()
        with progress_bar(self, total=head * len(projectors), unit="event", desc="Rebuilding") as bar:
            position = rebuild.rebuild(projectors, progress=bar.update)
        names = ", ".join(p.name for p in projectors)
        total = store.read_all(up_to=position).count()
        self.stdout.write(self.style.SUCCESS(f"Rebuilt {names} up to position {position} ({total} events)."))
