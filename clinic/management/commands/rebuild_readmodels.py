from django.core.management.base import BaseCommand

from clinic.progress import progress_bar
from events import store
from readmodels import rebuild
from readmodels.projectors import PROJECTORS, by_name
from readmodels.shadow import rebuild_in_shadow


class Command(BaseCommand):
    help = ("Replay every event into the read-model tables. By default the tables are emptied first (pages show "
            "less until it ends); with --shadow they are built beside the live ones while the site serves, then "
            "swapped in at once. Runs unattended.")

    def add_arguments(self, parser):
        parser.add_argument("--projector", action="append", help="Only this projector (repeatable; not with --shadow).")
        parser.add_argument("--shadow", action="store_true",
                            help="Build fresh tables beside the live ones and swap them in (no downtime).")

    def handle(self, *args, projector=None, shadow=False, **options):
        if shadow and projector:
            self.stderr.write("--shadow rebuilds every projector; leave out --projector.")
            raise SystemExit(2)
        try:
            projectors = [by_name(n) for n in projector] if projector else list(PROJECTORS)
        except LookupError as error:
            self.stderr.write(str(error))
            raise SystemExit(2) from None
        # Progress counts log positions covered, once per projector.
        head = store.head_position()
        with progress_bar(self, total=head * len(projectors), unit="event", desc="Rebuilding") as bar:
            if shadow:
                position = min(rebuild_in_shadow(progress=bar.update).values())
            else:
                position = rebuild.rebuild(projectors, progress=bar.update)
        names = ", ".join(p.name for p in projectors)
        total = store.read_all(up_to=position).count()
        how = " beside the live tables, then swapped in," if shadow else ""
        self.stdout.write(self.style.SUCCESS(f"Rebuilt {names}{how} up to position {position} ({total} events)."))

