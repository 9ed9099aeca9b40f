from django.core.management.base import BaseCommand
from django.utils import timezone

from clinic.operations import housekeeping


class Command(BaseCommand):
    help = ("Delete idempotency records older than CLINIC_IDEMPOTENCY_TTL_HOURS and live-update buffer entries "
            "past their replay window (beat runs this every hour). Stored events and the audit are never pruned.")

    def handle(self, *args, **options):
        pruned = housekeeping.prune(timezone.now())
        self.stdout.write(", ".join(f"{count} {kind}" for kind, count in pruned.items()) + " deleted.")
