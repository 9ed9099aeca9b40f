"""Forms: the shape of each command's input, and the filters of the list pages.

They only parse what a person typed (a date, a number, a choice); whether the
command is allowed is the domain's to say (see ``commands.submit``). Widgets use
the browser's own date and time pickers.
"""
from django import forms
from django.conf import settings

from clinic.dates import FIRST_DAY, LAST_DAY, CalendarDateField
from events.domain import catalogue
from events.domain.appointment import MAX_DURATION, MIN_DURATION
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


class ShiftForm(Form):
    """Arrival or departure: now, or at a time given for a late entry."""

    at = forms.DateTimeField(
        required=False, label="Time", widget=DateTimeInput(),
        help_text="Leave empty for now; give a time to record it late.")


class PatientForm(Form):
    """Registering a patient, or correcting one's name or date of birth."""

    name = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    date_of_birth = forms.DateField(widget=DateInput())


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
    patient = PatientChoiceField(queryset=selectors.patients(), empty_label="Choose a patient")
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


class AuditFilterForm(Filters):
    patient = forms.UUIDField(label="Patient id")


class DaySheetForm(Filters):
    day = CalendarDateField(required=False, widget=DateInput(attrs={"min": FIRST_DAY, "max": LAST_DAY}))
    doctor = forms.ModelChoiceField(queryset=selectors.doctors(), required=False, empty_label="All doctors")


class WeekForm(Filters):
    week = CalendarDateField(required=False, label="Week of", widget=DateInput(attrs={"min": FIRST_DAY,
                                                                                       "max": LAST_DAY}))
