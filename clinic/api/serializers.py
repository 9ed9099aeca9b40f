"""API shapes, in the camelCase the API has always used (docs/api.md). Input serializers validate the form of
a command; the domain decides whether it is allowed."""
import copy

from django.conf import settings
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clinic.audit.models import PatientRead
from clinic.dates import FIRST_DAY, LAST_DAY, OUTSIDE_CALENDAR
from clinic.roles.rules import Capability, may
from clinic.roles.staff import NO_ROLE, staff_of
from events.domain.appointment import MAX_DURATION, MIN_DURATION
from events.models import StoredEvent
from readmodels.models import Appointment, Doctor, Patient, TimesheetEntry, WorkingHours


class Hours(serializers.FloatField):
    """Hours as a plain JSON number: 8 stays 8, 8.5 stays 8.5."""

    def to_representation(self, value):
        return value


# --- Commands -----------------------------------------------------------
# JSON types are checked, not coerced (wrong types are 4xx, never coerced): DRF's own
# fields would take 42 as the name "42", and 5 as the id 00000000-…-000000000005.

class Text(serializers.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class Id(serializers.UUIDField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


class WholeNumber(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field({"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
                      "example": "09:30"})
class ClockTime(serializers.TimeField):
    """``HH:MM`` or ``HH:MM:SS``, no offset: the schema's ``format: time`` (RFC 3339,
    with an offset) would describe another input."""

    def __init__(self, **kwargs):
        super().__init__(input_formats=["%H:%M", "%H:%M:%S"], **kwargs)


@extend_schema_field({"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "08:00"})
class ClockMinutesOut(serializers.TimeField):
    """``HH:MM`` on output."""

    def to_representation(self, value):
        return value.strftime("%H:%M")


@extend_schema_field({"type": "string", "pattern": r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$", "example": "18:00"})
class BlockEndOut(ClockMinutesOut):
    """A block's end: midnight, stored as 00:00, is the end of the day, 24:00."""

    def to_representation(self, value):
        return "24:00" if value.hour == value.minute == 0 else super().to_representation(value)


class Command(serializers.Serializer):
    """A command's input. Unknown fields are refused: a misspelt ``reson`` must not
    silently drop the reason."""

    def validate(self, data):
        unknown = set(self.initial_data) - set(self.fields) if isinstance(self.initial_data, dict) else set()
        if unknown:
            raise serializers.ValidationError({name: ["Unknown field."] for name in sorted(unknown)})
        return data


class CommandSchema(OpenApiSerializerExtension):
    """In the schema too, a command takes no fields but its own."""

    target_class = Command
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        schema["additionalProperties"] = False
        return schema


class RegisterDoctor(Command):
    id = Id(required=False, help_text="Optional client-chosen id.")
    name = Text(max_length=200)
    specialty = Text(max_length=100)


class UpdateDoctor(Command):
    name = Text(max_length=200, required=False)
    specialty = Text(max_length=100, required=False)

    def validate(self, data):
        data = super().validate(data)
        if not data:
            raise serializers.ValidationError("Give a name or a specialty to change.")
        return data


class RetireDoctor(Command):
    reason = Text(max_length=500, required=False, allow_blank=True, default="")


class ErasePatient(Command):
    reason = Text(max_length=500, help_text="Why, for the clinic's records (e.g. the request's reference). Stored "
                                            "in the clear: do not name the patient.")


@extend_schema_field({"type": "string", "pattern": r"^(([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?|24:00)$",
                      "example": "18:00"})
class BlockEnd(ClockTime):
    """As ``ClockTime``, or ``24:00`` for a block that runs to midnight."""

    def to_internal_value(self, value):
        if value == "24:00":
            return value
        return super().to_internal_value(value)


class Block(serializers.Serializer):
    weekday = WholeNumber(min_value=0, max_value=6, help_text="Monday 0 … Sunday 6.")
    start = ClockTime()
    end = BlockEnd(help_text="After start; 24:00 for the end of the day.")


class SetWorkingHours(Command):
    weekly = Block(many=True, help_text="Several blocks a day allowed; a weekday without blocks is a day off.")


class RecordShiftTime(Command):
    at = serializers.DateTimeField(required=False, help_text="When it happened; default now.")


class RegisterPatient(Command):
    id = Id(required=False, help_text="Optional client-chosen id.")
    name = Text(max_length=200)
    dateOfBirth = serializers.DateField()
    phone = Text(max_length=40, required=False, allow_blank=True, help_text="E.164-ish: +44 20 7946 0958.")
    email = Text(max_length=254, required=False, allow_blank=True)
    allowDuplicate = serializers.BooleanField(
        required=False, default=False,
        help_text="true registers the patient even if one with the same name and date of birth exists.")

    def to_internal_value(self, data):
        if isinstance(data, dict) and "allowDuplicate" in data and not isinstance(data["allowDuplicate"], bool):
            raise serializers.ValidationError({"allowDuplicate": ["Give true or false."]})
        return super().to_internal_value(data)


class UpdatePatient(Command):
    name = Text(max_length=200, required=False)
    dateOfBirth = serializers.DateField(required=False)
    phone = Text(max_length=40, required=False, allow_blank=True, help_text="Empty removes it.")
    email = Text(max_length=254, required=False, allow_blank=True, help_text="Empty removes it.")

    def validate(self, data):
        data = super().validate(data)
        if not data:
            raise serializers.ValidationError("Give a name, dateOfBirth, phone or email to change.")
        return data


class BookAppointment(Command):
    id = Id(required=False, help_text="Optional client-chosen id.")
    doctorId = Id()
    patientId = Id()
    day = serializers.DateField()
    time = ClockTime()
    durationMinutes = WholeNumber(min_value=MIN_DURATION, max_value=MAX_DURATION, default=30)


class RescheduleAppointment(Command):
    day = serializers.DateField()
    time = ClockTime()
    durationMinutes = WholeNumber(min_value=MIN_DURATION, max_value=MAX_DURATION, required=False,
                                  help_text="Default: as before.")
    doctorId = Id(required=False, help_text="Default: the same doctor.")


class Attendance(Command):
    """Check-in and no-show take no fields: the server's clock says when."""


class CancelAppointment(Command):
    reason = Text(max_length=500, required=False, allow_blank=True, default="")


# --- Read models ---------------------------------------------------------

class ModelSerializer(serializers.ModelSerializer):
    """DRF's ModelSerializer, with its fields worked out from the model once per
    class instead of once per instance. DRF inspects the model's fields, their
    validators and their choices every time a serializer is made — a third of an
    appointment detail's time on the server (profiled, ``make bench``'s
    ``detail_ms_p50``). The fields depend on the class alone (what a request may
    see is decided in ``to_representation``), so each instance gets a fresh copy
    of the class's: bound to it alone, as DRF expects."""

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_fields_built")
        if built is None:
            built = super().get_fields()
            cls._fields_built = built
        return copy.deepcopy(built)


# A doctor's hours, left out (absent, not null) for a user who may not see them.
HOURS_FIELDS = ("totalHoursWorked", "timesheet")


class DoctorSerializer(ModelSerializer):
    """A doctor. ``totalHoursWorked`` (and the detail's ``timesheet``) only for a
    user who may see this doctor's hours: a manager, or the doctor's own clinician.
    The request in the context says who asks; without one, no hours."""

    onShift = serializers.BooleanField(source="on_shift", read_only=True)
    totalHoursWorked = Hours(source="total_hours_worked", read_only=True)

    class Meta:
        model = Doctor
        fields = ["id", "name", "specialty", "onShift", "retired", "totalHoursWorked"]

    def to_representation(self, doctor):
        shown = super().to_representation(doctor)
        request = self.context.get("request")
        staff = staff_of(request.user) if request is not None else NO_ROLE
        if not may(staff, Capability.SEE_HOURS, doctor.id):
            for name in HOURS_FIELDS:
                shown.pop(name, None)
        return shown


class WorkingHoursSerializer(ModelSerializer):
    start = ClockMinutesOut()
    end = BlockEndOut()

    class Meta:
        model = WorkingHours
        fields = ["weekday", "start", "end"]


class DoctorSchema(OpenApiSerializerExtension):
    """In the schema, the hours are optional: a client must expect them absent."""

    target_class = DoctorSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        schema["required"] = [name for name in schema.get("required", []) if name not in HOURS_FIELDS]
        for name in HOURS_FIELDS:
            if name in schema["properties"]:
                schema["properties"][name]["description"] = (
                    "Only for a user who may see this doctor's hours (a manager, or the doctor's own "
                    "clinician); absent otherwise.")
        return schema


class TimesheetEntrySerializer(ModelSerializer):
    arrivedAt = serializers.DateTimeField(source="arrived_at")
    leftAt = serializers.DateTimeField(source="left_at", allow_null=True)
    hoursWorked = Hours(source="hours_worked", allow_null=True)

    class Meta:
        model = TimesheetEntry
        fields = ["arrivedAt", "leftAt", "hoursWorked"]


class DoctorDetailSerializer(DoctorSerializer):
    timesheet = TimesheetEntrySerializer(many=True, read_only=True)
    workingHours = serializers.SerializerMethodField(help_text="The doctor's week; the clinic's default week "
                                                               "until hours are set.")

    class Meta(DoctorSerializer.Meta):
        fields = DoctorSerializer.Meta.fields + ["workingHours", "timesheet"]

    @extend_schema_field(WorkingHoursSerializer(many=True))
    def get_workingHours(self, doctor):
        if doctor.hours_set:  # one more query, only for a doctor with a week of their own
            return WorkingHoursSerializer(doctor.working_hours.all(), many=True).data
        return [{"weekday": b["weekday"], "start": b["start"], "end": b["end"]}
                for b in settings.CLINIC_DEFAULT_HOURS]


class PatientSerializer(ModelSerializer):
    """A patient; once erased, the id and nulls: ``{"id", "erased": true, "name": null, …}``."""

    name = serializers.CharField(allow_null=True)
    dateOfBirth = serializers.DateField(source="date_of_birth", allow_null=True)
    age = serializers.IntegerField(read_only=True, allow_null=True)
    phone = serializers.CharField(allow_null=True)
    email = serializers.CharField(allow_null=True)
    erased = serializers.BooleanField(read_only=True)

    class Meta:
        model = Patient
        fields = ["id", "name", "dateOfBirth", "age", "phone", "email", "erased"]

    def to_representation(self, instance):
        shown = super().to_representation(instance)
        if instance.erased:
            shown.update(phone=None, email=None)
        return shown


ERASED_PATIENT = "Erased patient"


@extend_schema_field({"type": "string", "description": f'The patient\'s name; "{ERASED_PATIENT}" once erased.'})
class NameOrErased(serializers.Field):
    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, patient):
        return ERASED_PATIENT if patient.erased else patient.name


class PatientSummary(ModelSerializer):
    name = NameOrErased()
    age = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Patient
        fields = ["id", "name", "age"]


class DoctorSummary(ModelSerializer):
    class Meta:
        model = Doctor
        fields = ["id", "name", "specialty"]


@extend_schema_field({"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "09:30"})
class ClockMinutes(serializers.TimeField):
    """``HH:MM`` on output."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class AppointmentSerializer(ModelSerializer):
    time = ClockMinutes()
    durationMinutes = serializers.IntegerField(source="duration_minutes")
    patient = PatientSummary()
    doctor = DoctorSummary()

    class Meta:
        model = Appointment
        fields = ["id", "day", "time", "durationMinutes", "status", "patient", "doctor"]

    def to_representation(self, appointment):
        """Written out rather than field by field: the detail and every page of the
        list answer with it, and DRF built its fields, and its two summaries',
        anew for each answer — longer than the database took for the join
        (profiled on ``make bench``'s detail). The fields above still describe the
        answer (the schema); a test holds both ways equal for every shape
        (``tests/api/test_appointment_shape.py``)."""
        patient, doctor = appointment.patient, appointment.doctor
        return {"id": str(appointment.id), "day": appointment.day.isoformat(),
                "time": appointment.time.strftime("%H:%M"), "durationMinutes": appointment.duration_minutes,
                "status": appointment.status,
                "patient": {"id": str(patient.id), "name": ERASED_PATIENT if patient.erased else patient.name,
                            "age": patient.age},
                "doctor": {"id": str(doctor.id), "name": doctor.name, "specialty": doctor.specialty}}


class CardPatient(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField(help_text=f'The patient\'s name; "{ERASED_PATIENT}" once erased.')
    age = serializers.IntegerField(allow_null=True, help_text="Computed as it is read; null once erased.")


class CardDoctor(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    specialty = serializers.CharField()


class AppointmentCardSerializer(serializers.Serializer):
    """The appointment card: the document the card process stored whole
    (``readmodels.AppointmentCard``), shown as the appointment's detail shows the
    same facts."""

    id = serializers.UUIDField()
    day = serializers.DateField()
    time = ClockMinutes()
    status = serializers.ChoiceField(choices=Appointment.STATUSES)
    patient = CardPatient()
    doctor = CardDoctor()

    def to_representation(self, instance):
        document = instance.document
        patient, doctor = document["patient"], document["doctor"]
        return {"id": document["id"], "day": document["day"], "time": document["time"],
                "status": document["status"],
                "patient": {"id": patient["id"], "name": ERASED_PATIENT if patient["erased"] else patient["name"],
                            "age": instance.age},
                "doctor": {"id": doctor["id"], "name": doctor["name"], "specialty": doctor["specialty"]}}


class EventMetadata(serializers.Serializer):
    """Who and what caused the event. The clinic's own commands give all four;
    events brought in by a bulk import may carry other keys."""

    actor = serializers.CharField(required=False, help_text="The user who gave the command.")
    # DRF's metaclass takes declared fields off the class, so this doesn't shadow Field.source.
    source = serializers.CharField(required=False, help_text="api, web, admin or seed.")  # type: ignore[assignment]
    correlation_id = serializers.CharField(required=False, help_text="The request's X-Correlation-ID, or else "
                                                                     "the causation_id.")
    causation_id = serializers.CharField(required=False, help_text="The command that wrote the event.")


@extend_schema_field({"type": "object", "additionalProperties": True,
                      "description": "The event's facts, as its type defines them. A patient's personal "
                                     "fields read \"[erased]\" once the patient is erased."})
class EventData(serializers.JSONField):
    pass


@extend_schema_field(EventMetadata)
class EventMetadataField(serializers.JSONField):
    """Shown as stored (any keys an import brought stay); declared as EventMetadata."""


class EventSerializer(ModelSerializer):
    streamId = serializers.UUIDField(source="stream_id")
    streamType = serializers.CharField(source="stream_type")
    occurredAt = serializers.DateTimeField(source="occurred_at")
    recordedAt = serializers.DateTimeField(source="recorded_at")
    # DRF's metaclass takes declared fields off the class, so this doesn't shadow Serializer.data.
    # As the code writes it today: upcast from the schema version it was stored in.
    data = EventData(source="current_data", read_only=True)  # type: ignore[assignment]
    metadata = EventMetadataField(read_only=True)

    class Meta:
        model = StoredEvent
        fields = ["position", "streamId", "streamType", "version", "type", "data", "metadata",
                  "occurredAt", "recordedAt"]


class EventPage(serializers.Serializer):
    """``GET /api/events/``: a page of the feed and the URL of the next, if any."""

    results = EventSerializer(many=True)
    next = serializers.URLField(allow_null=True)


class Accepted(serializers.Serializer):
    """The 202 answer: the write is durable, the read side has not caught up yet."""

    id = serializers.UUIDField()
    position = serializers.IntegerField()


class Token(serializers.Serializer):
    """A new API token. It is shown only now: the server keeps a digest of it."""

    token = serializers.CharField(help_text="Send it as Authorization: Token <token>.")
    expiry = serializers.DateTimeField(help_text="When the token stops working; sign in again for a new one.")


class PatientReadSerializer(ModelSerializer):
    """One read of one patient's data: who, when, through which view. Ids only."""

    userId = serializers.IntegerField(source="user_id", allow_null=True, help_text="The reader's user id.")
    patientId = serializers.UUIDField(source="patient_id")
    correlationId = serializers.CharField(source="correlation_id", help_text="The request's X-Correlation-ID, or "
                                                                               "empty.")
    view = serializers.CharField(help_text='The URL name of what showed the data, and the method if not a GET: '
                                           '"api:patient", "web:appointments", "api:patient PATCH" (a command\'s '
                                           'answer).')
    refresh = serializers.BooleanField(help_text="A staff page re-read in the background by live updates.")

    class Meta:
        model = PatientRead
        fields = ["at", "userId", "username", "view", "patientId", "correlationId", "refresh"]


# --- The day's work: free slots, timesheets, exports ----------------------

class CalendarDate(serializers.DateField):
    """A day in the clinic's calendar (2000-01-01 to 2099-12-31)."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not FIRST_DAY <= day <= LAST_DAY:
            raise serializers.ValidationError(OUTSIDE_CALENDAR)
        return day


class Format(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=["json", "csv"], required=False,
                         help_text="csv: text/csv with a header row, instead of JSON.", **kwargs)


class FreeSlotsQuery(serializers.Serializer):
    day = CalendarDate(help_text="YYYY-MM-DD, the clinic's local day.")
    durationMinutes = serializers.IntegerField(min_value=MIN_DURATION, max_value=MAX_DURATION, default=30)


@extend_schema_field({"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "09:30"})
class Start(serializers.CharField):
    pass


class FreeSlots(serializers.Serializer):
    """Where the doctor could be booked that day for that long: starts on the
    clinic's slot grid inside working hours, free, still to come."""

    day = serializers.DateField()
    durationMinutes = serializers.IntegerField()
    slots = serializers.ListField(child=Start())


class _Period(serializers.Serializer):
    """``from`` and ``to``, both included; ``from`` is a Python keyword, so it is put in by name."""

    locals()["from"] = CalendarDate(help_text="The first day, YYYY-MM-DD (clinic local).")
    to = CalendarDate(help_text="The last day, included, YYYY-MM-DD (clinic local).")

    MAX_DAYS = 366

    def validate(self, data):
        if data["to"] < data["from"]:
            raise serializers.ValidationError({"to": ["Give a day on or after from."]})
        if (data["to"] - data["from"]).days >= self.MAX_DAYS:
            raise serializers.ValidationError({"to": [f"Give a period of at most {self.MAX_DAYS} days."]})
        return data


class TimesheetQuery(_Period):
    format = Format()


class AppointmentExportQuery(_Period):
    """A CSV export of appointments needs its period."""


class DoctorTimesheet(serializers.Serializer):
    locals()["from"] = serializers.DateField()
    to = serializers.DateField()
    totalHoursWorked = Hours(help_text="The finished shifts' hours, in the period.")
    entries = TimesheetEntrySerializer(many=True)
