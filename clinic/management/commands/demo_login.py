"""Create (or reset) the three demo staff logins and print how to use them.

One login per role — reception, a clinician (linked to a seeded doctor) and a
manager — so the role table can be tried by hand; none is a superuser (those are
for administrators: ``createsuperuser``). Each run gives every login a fresh
random password, so no password is ever written down anywhere but in this
command's output, and a new API token: the server keeps only a digest of a
token, so one can be shown only when it is made. The new password revokes the
login's earlier tokens (clinic.signin.tokens).
"""
import secrets

from django.core.management.base import BaseCommand

from clinic.roles.accounts import enrol
from clinic.roles.models import Clinician
from clinic.roles.rules import Role
from clinic.signin import tokens
from readmodels import selectors

LOGINS = [("reception", Role.RECEPTION), ("clinician", Role.CLINICIAN), ("manager", Role.MANAGER)]


def _demo_doctor(username):
    """The clinician's doctor: the one linked before if it still exists, else the first seeded."""
    linked = Clinician.objects.filter(user__username=username).values_list("doctor_id", flat=True).first()
    doctors = selectors.doctors()
    if linked and doctors.filter(pk=linked).exists():
        return doctors.get(pk=linked)
    return doctors.first()


class Command(BaseCommand):
    help = ("Create or reset the demo logins (reception, clinician, manager) with fresh random passwords and new "
            "API tokens; print them.")

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="Where the server answers.")

    def handle(self, *args, url, **options):
        base = url.rstrip("/")
        self.stdout.write(self.style.SUCCESS("Demo logins (a new password and token for each on every run):"))
        self.stdout.write(f"  URL:      {base}/")
        self.stdout.write(f"  API docs: {base}/api/docs/")
        first_token = None
        for username, role in LOGINS:
            doctor = _demo_doctor(username) if role is Role.CLINICIAN else None
            if role is Role.CLINICIAN and doctor is None:
                self.stdout.write(f"{role.value}: none, as no doctor is registered yet (manage.py seed_demo).")
                continue
            password = secrets.token_urlsafe(12)
            user, _ = enrol(username, role, password, doctor_id=doctor.id if doctor else None)
            token, expiry = tokens.issue(user)
            first_token = first_token or token
            self.stdout.write(f"{role.value}{f' (Dr {doctor.name})' if doctor else ''}:")
            self.stdout.write(f"  username: {username}")
            self.stdout.write(f"  password: {password}")
            self.stdout.write(f"  token:    {token}")
            self.stdout.write(f"  expires:  {expiry.isoformat(timespec='seconds')}")
        self.stdout.write(f"The manager may also inspect the event log and read models at {base}/admin/.")
        self.stdout.write("Try the API (as reception):")
        self.stdout.write(f'  curl -H "Authorization: Token {first_token}" {base}/api/doctors/')
