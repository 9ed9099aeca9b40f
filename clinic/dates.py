"""Dates typed into filters (the API's ``?day=``, the pages' day picker), kept to
the clinic's calendar (``events.domain.validate.CALENDAR``).

Nothing outside it is ever booked, so asking for 9999-12-31 is a typo; answered
as one (400, naming the range), it never reaches date arithmetic that would
overflow (the day after 9999-12-31) or a database that cannot hold the date.
"""
from django import forms
from django.core.exceptions import ValidationError

from events.domain.validate import CALENDAR

FIRST_DAY, LAST_DAY = CALENDAR
OUTSIDE_CALENDAR = f"Give a date from {FIRST_DAY} to {LAST_DAY}."


class CalendarDateField(forms.DateField):
    default_error_messages = {"outside_calendar": OUTSIDE_CALENDAR}

    def validate(self, value):
        super().validate(value)
        if value is not None and not FIRST_DAY <= value <= LAST_DAY:
            raise ValidationError(self.error_messages["outside_calendar"], code="outside_calendar")
