"""Forms: the shape of each command's input, and the filters of the list pages.

They only parse what a person typed (a date, a number, a choice); whether the
command is allowed is the domain's to say (see ``commands.submit``). Widgets use
the browser's own date and time pickers.
"""
from django import forms
from django.conf import settings

from clinic.dates import FIRST_DAY, LAST_DAY, CalendarDateField
from events.domain import catalogue, hours
from events.domain.appointment import MAX_DURATION, MIN_DURATION
from events.domain.errors import DomainError
from readmodels import selectors
from readmodels.models import Appointment


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class DoctorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} — {obj.specialty}"


class PatientChoiceField(forms.ModelChoiceField):
    """Born on is shown too: two patients may share a name."""

    def label_from_instance(self, obj):
        return f"{obj.name} (born {obj.date_of_birth:%d %b %Y})"


class Form(forms.Form):
    """Labels without a trailing colon: the stylesheet sets them apart."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


# --- Commands ------------------------------------------------------------

class RegisterDoctorForm(Form):
    name = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    specialty = forms.CharField(max_length=100)


class EditDoctorForm(Form):
    """Correcting a doctor's name or specialty; its own ids, as it shares the
    doctor's page with the other forms."""

    name = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    specialty = forms.CharField(max_length=100)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "edit_%s")
        super().__init__(*args, **kwargs)


class RetireDoctorForm(Form):
    reason = forms.CharField(required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="Optional; kept in the doctor's history.")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "retire_%s")
        super().__init__(*args, **kwargs)


class WorkingHoursForm(Form):
    """The whole week, a field per weekday: "08:00-12:00, 13:00-18:00", empty
    for a day off. Each day is checked by the domain's own rule (``hours.week``)
    as it is cleaned, so an overlap or an end before the start is told beside
    the day it is about, in the domain's words."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "hours_%s")
        super().__init__(*args, **kwargs)
        for weekday, name in enumerate(hours.WEEKDAYS):
            self.fields[name.lower()] = forms.CharField(
                required=False, label=name, max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off"}),
                help_text="Start-end, blocks separated by commas, e.g. 08:00-12:00, 13:00-18:00; empty: day off."
                if weekday == 0 else "")

    @classmethod
    def initial_of(cls, week: hours.Week) -> dict[str, str]:
        """A week's blocks as the fields show them."""
        return {name.lower(): ", ".join(f"{hours.clock(block.start)}-{hours.clock(block.end)}"
                                        for block in hours.on(week, weekday))
                for weekday, name in enumerate(hours.WEEKDAYS)}

    def clean(self):
        cleaned = super().clean()
        weekly = []
        for weekday, name in enumerate(hours.WEEKDAYS):
            field = name.lower()
            if field in self.errors:
                continue
            try:
                blocks = [_block(weekday, name, text) for text in (cleaned.get(field) or "").split(",") if text.strip()]
                hours.week(blocks, field=field)
            except (ValueError, DomainError) as refused:
                self.add_error(field, str(getattr(refused, "message", refused)))
                continue
            weekly += [block.to_data() for block in blocks]
        cleaned["weekly"] = tuple(weekly)
        return cleaned


def _block(weekday: int, day: str, text: str) -> hours.Block:
    """"08:00-12:00" (or with an en dash, or "to") as a block of ``weekday``."""
    parts = [part.strip() for part in text.replace("–", "-").replace(" to ", "-").split("-")]
    try:
        start, end = parts
        return hours.Block(weekday, hours.minutes_of(start), hours.minutes_of(end))
    except ValueError:
        raise ValueError(f"Give {day}'s hours as start-end times on the clock, e.g. 08:00-12:00; "
                         f"\"{text.strip()}\" is not one.") from None


class ShiftForm(Form):
    """Arrival or departure: now, or at a time given for a late entry."""

    at = forms.DateTimeField(
        required=False, label="Time", widget=DateTimeInput(),
        help_text="Leave empty for now; give a time to record it late.")


class PatientForm(Form):
    """Registering a patient, or correcting one's name or date of birth."""

    name = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    date_of_birth = forms.DateField(widget=DateInput())


class RegisterPatientForm(PatientForm):
    allow_duplicate = forms.BooleanField(
        required=False, label="Register anyway",
        help_text="Tick only for another person with the same name and date of birth as a registered patient.")


class ErasePatientForm(Form):
    reason = forms.CharField(max_length=500, help_text="For the clinic's records, e.g. the request's reference. "
                                                       "Do not name the patient: the reason is kept in the clear.")


class SlotFields(Form):
    """When an appointment is: what booking and rescheduling both ask."""

    day = forms.DateField(widget=DateInput())
    time = forms.TimeField(widget=TimeInput(attrs={"step": settings.CLINIC_SLOT_MINUTES * 60}),
                           help_text=f"On the clinic's {settings.CLINIC_SLOT_MINUTES}-minute grid, "
                                     "inside the doctor's working hours.")
    duration_minutes = forms.IntegerField(
        label="Duration (minutes)", initial=30, min_value=MIN_DURATION, max_value=MAX_DURATION)


class BookAppointmentForm(SlotFields):
    """The patient is picked from a search's results (``clinic.web.booking``):
    the page never lists every patient, and each patient it lists is a read the
    audit records. Any patient id validates, so a link may name one."""

    doctor = DoctorChoiceField(queryset=selectors.doctors(), empty_label="Choose a doctor")
    find = forms.CharField(
        required=False, label="Find by name or phone", max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        help_text="Part of the name, or the first digits of the phone number; then Find.")
    # An erased patient cannot be booked (and has no name or birth date to show).
    patient = PatientChoiceField(queryset=selectors.patients().exclude(erased=True), empty_label="Choose a patient")
    field_order = ["doctor", "day", "time", "duration_minutes", "find", "patient"]
    searched = ""  # what the picker's search was, if any
    offered: list = []  # the patients the picker offers


class RescheduleForm(SlotFields):
    """Move an appointment: the new day and time; the length as before unless changed."""

    duration_minutes = forms.IntegerField(
        label="Duration (minutes)", required=False, min_value=MIN_DURATION, max_value=MAX_DURATION)


class AttendanceForm(Form):
    """Check-in and no-show take nothing typed: the server's clock says when. The
    form is there to carry the refusal beside the button."""


class CancelAppointmentForm(Form):
    reason = forms.CharField(required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


# --- Filters -------------------------------------------------------------

class Filters(Form):
    """A list's filters share the page with a command's form: their own ids keep
    every label pointing at its own input."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "filter_%s")
        super().__init__(*args, **kwargs)


class PatientSearchForm(Filters):
    q = forms.CharField(required=False, label="Name", widget=forms.TextInput(attrs={"type": "search"}))


class AppointmentFilterForm(Filters):
    day = CalendarDateField(required=False, widget=DateInput(attrs={"min": FIRST_DAY, "max": LAST_DAY}))
    doctor = forms.ModelChoiceField(queryset=selectors.doctors(), required=False, empty_label="All doctors")
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *Appointment.STATUSES])


class EventLogFilterForm(Filters):
    type = forms.ChoiceField(required=False,
                             choices=lambda: [("", "Any type"), *[(t, t) for t in catalogue.event_types()]])
    stream_type = forms.ChoiceField(required=False, label="Stream type",
                                    choices=lambda: [("", "Any stream"), *[(t, t) for t in catalogue.stream_types()]])
    stream = forms.UUIDField(required=False, label="Stream id")
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m")


class MonthField(CalendarDateField):
    """A month as its first day, typed as 2026-11 (the browser's month picker)."""

    input_formats = ["%Y-%m"]
    default_error_messages = {"invalid": "Give a month as year and month, e.g. 2026-11."}


class TimesheetMonthForm(Filters):
    month = MonthField(required=False, widget=MonthInput(attrs={"min": f"{FIRST_DAY:%Y-%m}",
                                                                "max": f"{LAST_DAY:%Y-%m}"}))


class AuditFilterForm(Filters):
    patient = forms.UUIDField(label="Patient id")


class DaySheetForm(Filters):
    day = CalendarDateField(required=False, widget=DateInput(attrs={"min": FIRST_DAY, "max": LAST_DAY}))
    doctor = forms.ModelChoiceField(queryset=selectors.doctors(), required=False, empty_label="All doctors")


class WeekForm(Filters):
    week = CalendarDateField(required=False, label="Week of", widget=DateInput(attrs={"min": FIRST_DAY,
                                                                                       "max": LAST_DAY}))
