"""``manage.py staff_user USERNAME --role reception|clinician|manager [--doctor DOCTOR_ID]``

The operators' way to make a staff login or change its role and password. The
password is read from standard input (its first line), never from an argument,
which would stay in the shell's history and be visible to every user of the
machine while the command runs: ``printf '%s\\n' "$PASSWORD" | manage.py staff_user …``.
"""
import sys
import uuid

from django.core.management.base import BaseCommand, CommandError

from clinic.roles.accounts import Refused, enrol
from clinic.roles.rules import Role


def _doctor_id(value):
    try:
        return uuid.UUID(value)
    except ValueError:
        raise CommandError(f"--doctor takes a doctor's id (a UUID), not {value!r}.") from None


class Command(BaseCommand):
    help = ("Create a clinic staff user, or change one's role and password. The password is read from the first "
            "line of standard input. A clinician names their doctor with --doctor.")
    stealth_options = ("stdin",)  # tests give the password as a stream

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=[role.value for role in Role])
        parser.add_argument("--doctor", help="A clinician's doctor id (required for --role clinician).")

    def handle(self, *args, username, role, doctor, **options):
        stdin = options.get("stdin") or sys.stdin
        if stdin.isatty():
            self.stderr.write("Password (first line of standard input): ", ending="")
        password = stdin.readline().rstrip("\r\n")
        try:
            user, created = enrol(username, Role(role), password,
                                  doctor_id=_doctor_id(doctor) if doctor else None)
        except Refused as refused:
            raise CommandError(str(refused)) from None
        linked = f", doctor {doctor}" if doctor else ""
        self.stdout.write(self.style.SUCCESS(
            f"{'Created' if created else 'Changed'} staff user {user.get_username()}: {role}{linked}."))
