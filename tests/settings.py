"""Test settings: production settings, except that the test client speaks plain
HTTP, so the HTTPS redirect is off. Everything else is exactly as deployed."""
from clinic.settings import *  # noqa: F403

SECURE_SSL_REDIRECT = False
