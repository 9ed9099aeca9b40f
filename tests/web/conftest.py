"""Fixtures for the staff pages: a signed-in browser session (Django's test
client) on a committed database, since every command projects on commit."""
import pytest
from django.contrib.auth import get_user_model


@pytest.fixture
def staff(client, staff_user):
    """The test client, signed in as the reception staff user."""
    client.force_login(staff_user)
    return client


@pytest.fixture
def superuser(committed_db):
    return get_user_model().objects.create_superuser("engineer", password="pw-not-for-real-2")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def text(response):
    """The page as a person reads it: markup gone, whitespace collapsed."""
    import re
    from html import unescape

    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    words = " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())
    return re.sub(r" ([,.;:])", r"\1", words)  # "Grace Hopper</a>, 45" reads "Grace Hopper, 45"


@pytest.fixture
def clinic_date_is_not_utcs(settings):
    """Put the clinic in a time zone where today's date is not today's UTC date,
    whatever the hour the test runs at: UTC+14 once it is 10:00 UTC (the clinic
    is already in tomorrow), UTC-11 before (the clinic is still in yesterday).
    Either way the two dates differ for at least another hour. Returns the zone."""
    import datetime

    from django.utils import timezone

    zone = "Pacific/Kiritimati" if timezone.now().hour >= 10 else "Pacific/Pago_Pago"
    settings.TIME_ZONE = zone
    assert timezone.localdate() != datetime.datetime.now(datetime.timezone.utc).date()
    return zone


EVERY_DAY = tuple({"weekday": weekday, "start": "08:00", "end": "18:00"} for weekday in range(7))


@pytest.fixture
def works_every_day(ctx, doctor):
    """The doctor sees patients 08:00-18:00 all week, so "today" is a working day
    whatever weekday the test runs on."""
    from events import handlers
    from events.domain.commands import SetWorkingHours

    handlers.dispatch(ctx, SetWorkingHours(doctor, weekly=EVERY_DAY))
    return doctor


def booked_before(day):
    """A command context whose clock reads the clinic's midnight starting ``day``:
    bookings made then for that day or later are in the future, as the rules ask."""
    import datetime

    from django.utils import timezone

    from events import handlers

    midnight = datetime.datetime.combine(day, datetime.time(0, 0), tzinfo=timezone.get_current_timezone())
    return handlers.Context(actor="tester", source="seed", now=midnight)
