"""Test settings: production settings, except that the test client speaks plain
HTTP, so the HTTPS redirect is off. Everything else is exactly as deployed."""
from clinic.settings import *  # noqa: F403

SECURE_SSL_REDIRECT = False

# The JSON request and command lines are tested through their own handler
# (tests/operations/test_json_logs.py); on the console they would bury a failure's output.
LOGGING["handlers"]["json"]["level"] = "WARNING"  # type: ignore[index]  # noqa: F405
