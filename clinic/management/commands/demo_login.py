"""Create (or reset) the demo staff login and print how to use it.

Each run gives the user a fresh random password, so no password is ever written
down anywhere but in this command's output, and a new API token: the server keeps
only a digest of a token, so one can be shown only when it is made. The new
password revokes the user's earlier tokens (clinic.signin.tokens).
"""
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from clinic.signin import tokens


class Command(BaseCommand):
    help = "Create or reset a staff user with a fresh random password and a new API token; print them."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="reception", help='Username (default "reception").')
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="Where the server answers.")

    def handle(self, *args, username, url, **options):
        password = secrets.token_urlsafe(12)
        with transaction.atomic():
            user, created = get_user_model().objects.get_or_create(username=username)
            user.is_staff = True
            user.is_superuser = True  # the Django admin shows everything to this demo user
            user.is_active = True
            user.set_password(password)
            user.save()  # a new password: the user's earlier tokens stop working
            token, expiry = tokens.issue(user)

        base = url.rstrip("/")
        self.stdout.write(self.style.SUCCESS(
            f"Demo login {'created' if created else 'reset'} (a new password and token on every run):"))
        self.stdout.write(f"  URL:      {base}/")
        self.stdout.write(f"  admin:    {base}/admin/")
        self.stdout.write(f"  API docs: {base}/api/docs/")
        self.stdout.write(f"  username: {username}")
        self.stdout.write(f"  password: {password}")
        self.stdout.write(f"  token:    {token}")
        self.stdout.write(f"  expires:  {expiry.isoformat(timespec='seconds')}")
        self.stdout.write("Try the API:")
        self.stdout.write(f'  curl -H "Authorization: Token {token}" {base}/api/doctors/')
