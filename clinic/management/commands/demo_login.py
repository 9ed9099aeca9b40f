"""Create (or reset) the demo staff login and print how to use it.

Each run gives the user a fresh random password, so no password is ever written
down anywhere but in this command's output. The user's API token is created once
and kept (pass ``--new-token`` to replace it).
"""
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "Create or reset a staff user with a fresh random password and an API token; print them."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="reception", help='Username (default "reception").')
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="Where the server answers.")
        parser.add_argument("--new-token", action="store_true", help="Replace the user's API token.")

    def handle(self, *args, username, url, new_token, **options):
        password = secrets.token_urlsafe(12)
        with transaction.atomic():
            user, created = get_user_model().objects.get_or_create(username=username)
            user.is_staff = True
            user.is_superuser = True  # the Django admin shows everything to this demo user
            user.is_active = True
            user.set_password(password)
            user.save()
            if new_token:
                Token.objects.filter(user=user).delete()
            token, _ = Token.objects.get_or_create(user=user)

        base = url.rstrip("/")
        self.stdout.write(self.style.SUCCESS(
            f"Demo login {'created' if created else 'reset'} (a new password on every run):"))
        self.stdout.write(f"  URL:      {base}/")
        self.stdout.write(f"  admin:    {base}/admin/")
        self.stdout.write(f"  API docs: {base}/api/docs/")
        self.stdout.write(f"  username: {username}")
        self.stdout.write(f"  password: {password}")
        self.stdout.write(f"  token:    {token.key}")
        self.stdout.write("Try the API:")
        self.stdout.write(f'  curl -H "Authorization: Token {token.key}" {base}/api/doctors/')
