from django.core.management.base import BaseCommand

from readmodels import deadletters
from readmodels.models import DeadLetter
from readmodels.runner import SUBSCRIBERS


class Command(BaseCommand):
    help = ("Apply the events projectors parked as dead letters once more, oldest first (after the cause is "
            "fixed). Each that now applies is removed; each that fails again stays, with the new error. "
            "Exits 1 if any still fails.")

    def add_arguments(self, parser):
        parser.add_argument("--projector", choices=[s.name for s in SUBSCRIBERS],
                            help="Only this projector's (or write-side process's) dead letters.")

    def handle(self, *args, projector=None, **options):
        letters = DeadLetter.objects.order_by("position")
        if projector:
            letters = letters.filter(projector=projector)
        letters = list(letters)
        if not letters:
            self.stdout.write(self.style.SUCCESS("No dead letters."))
            return
        failed = 0
        for letter in letters:
            if deadletters.retry(letter):
                self.stdout.write(f"{letter}: applied.")
            else:
                failed += 1
                again = DeadLetter.objects.get(projector=letter.projector, position=letter.position)
                self.stdout.write(self.style.ERROR(f"{letter}: fails again: {again.error.splitlines()[0]}"))
        applied = len(letters) - failed
        self.stdout.write(f"{applied} applied, {failed} still parked.")
        if failed:
            self.stdout.write("Then run `manage.py verify_readmodels`: a late event may leave rows a full replay "
                              "would not; `manage.py rebuild_readmodels` replaces them.")
            raise SystemExit(1)
        self.stdout.write("Run `manage.py verify_readmodels` to check the tables equal a full replay.")
