import getpass

from django.core.management.base import BaseCommand
from django.db import transaction

from clinic.audit.models import HistoryRewrite
from clinic.progress import progress_bar
from events.rewrite import seal_history


class Command(BaseCommand):
    help = ("Seal the plaintext personal fields (patients' names, dates of birth, phones, e-mails, cancel reasons) "
            "of events written before crypto-shredding, under each patient's own key. The only operation that "
            "changes stored events: run it once after upgrading, with --dry-run first. It holds the log's append "
            "lock while it runs (commands wait), and it is recorded in the audit.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be sealed; change nothing.")
        parser.add_argument("--actor", default=None, help="Who runs it, for the audit (default: the OS user).")

    def handle(self, *args, dry_run=False, actor=None, **options):
        bar = progress_bar(self, desc="Sealing", unit=" events")

        def progress(done, total):
            bar.total = total
            bar.update(done - bar.n)

        with bar, transaction.atomic():  # the audit's record commits with the rewrite, or neither does
            sealed = seal_history(dry_run=dry_run, progress=progress)
            if sealed.events and not dry_run:
                HistoryRewrite.objects.create(actor=actor or getpass.getuser(), events=sealed.events,
                                              fields=sealed.fields, patients=sealed.patients,
                                              keys_created=sealed.keys_created)
        if dry_run:
            self.stdout.write(f"Dry run: {sealed.events} events hold {sealed.fields} personal fields in plaintext, "
                              f"of {sealed.patients} patients ({sealed.keys_created} need a new key). "
                              "Nothing was changed; run again without --dry-run to seal them.")
            return
        self.stdout.write(self.style.SUCCESS(
            f"Sealed {sealed.fields} personal fields in {sealed.events} events of {sealed.patients} patients "
            f"({sealed.keys_created} keys created)." if sealed.events else
            "Nothing to seal: every personal field in the log is sealed already."))
