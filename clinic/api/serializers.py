"""API shapes, in the camelCase the API has always used (docs/api.md). Input serializers validate the form of
a command; the domain decides whether it is allowed."""
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clinic.audit.models import PatientRead
from clinic.roles.rules import Capability, may
from clinic.roles.staff import NO_ROLE, staff_of
from events.domain.appointment import MAX_DURATION, MIN_DURATION
from events.models import StoredEvent
from readmodels.models import Appointment, Doctor, Patient, TimesheetEntry


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


class RecordShiftTime(Command):
    at = serializers.DateTimeField(required=False, help_text="When it happened; default now.")


class RegisterPatient(Command):
    id = Id(required=False, help_text="Optional client-chosen id.")
    name = Text(max_length=200)
    dateOfBirth = serializers.DateField()


class UpdatePatient(Command):
    name = Text(max_length=200, required=False)
    dateOfBirth = serializers.DateField(required=False)

    def validate(self, data):
        data = super().validate(data)
        if not data:
            raise serializers.ValidationError("Give a name or a dateOfBirth to change.")
        return data


class BookAppointment(Command):
    id = Id(required=False, help_text="Optional client-chosen id.")
    doctorId = Id()
    patientId = Id()
    day = serializers.DateField()
    time = ClockTime()
    durationMinutes = WholeNumber(min_value=MIN_DURATION, max_value=MAX_DURATION, default=30)


class CancelAppointment(Command):
    reason = Text(max_length=500, required=False, allow_blank=True, default="")


# --- Read models ---------------------------------------------------------

# A doctor's hours, left out (absent, not null) for a user who may not see them.
HOURS_FIELDS = ("totalHoursWorked", "timesheet")


class DoctorSerializer(serializers.ModelSerializer):
    """A doctor. ``totalHoursWorked`` (and the detail's ``timesheet``) only for a
    user who may see this doctor's hours: a manager, or the doctor's own clinician.
    The request in the context says who asks; without one, no hours."""

    onShift = serializers.BooleanField(source="on_shift", read_only=True)
    totalHoursWorked = Hours(source="total_hours_worked", read_only=True)

    class Meta:
        model = Doctor
        fields = ["id", "name", "specialty", "onShift", "totalHoursWorked"]

    def to_representation(self, doctor):
        shown = super().to_representation(doctor)
        request = self.context.get("request")
        staff = staff_of(request.user) if request is not None else NO_ROLE
        if not may(staff, Capability.SEE_HOURS, doctor.id):
            for name in HOURS_FIELDS:
                shown.pop(name, None)
        return shown


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


class TimesheetEntrySerializer(serializers.ModelSerializer):
    arrivedAt = serializers.DateTimeField(source="arrived_at")
    leftAt = serializers.DateTimeField(source="left_at", allow_null=True)
    hoursWorked = Hours(source="hours_worked", allow_null=True)

    class Meta:
        model = TimesheetEntry
        fields = ["arrivedAt", "leftAt", "hoursWorked"]


class DoctorDetailSerializer(DoctorSerializer):
    timesheet = TimesheetEntrySerializer(many=True, read_only=True)

    class Meta(DoctorSerializer.Meta):
        fields = DoctorSerializer.Meta.fields + ["timesheet"]


class PatientSerializer(serializers.ModelSerializer):
    dateOfBirth = serializers.DateField(source="date_of_birth")
    age = serializers.IntegerField(read_only=True)

    class Meta:
        model = Patient
        fields = ["id", "name", "dateOfBirth", "age"]


class PatientSummary(serializers.ModelSerializer):
    age = serializers.IntegerField(read_only=True)

    class Meta:
        model = Patient
        fields = ["id", "name", "age"]


class DoctorSummary(serializers.ModelSerializer):
    class Meta:
        model = Doctor
        fields = ["id", "name", "specialty"]


@extend_schema_field({"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "09:30"})
class ClockMinutes(serializers.TimeField):
    """``HH:MM`` on output."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class AppointmentSerializer(serializers.ModelSerializer):
    time = ClockMinutes()
    durationMinutes = serializers.IntegerField(source="duration_minutes")
    patient = PatientSummary()
    doctor = DoctorSummary()

    class Meta:
        model = Appointment
        fields = ["id", "day", "time", "durationMinutes", "status", "patient", "doctor"]


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
                      "description": "The event's facts, as its type defines them."})
class EventData(serializers.JSONField):
    pass


@extend_schema_field(EventMetadata)
class EventMetadataField(serializers.JSONField):
    """Shown as stored (any keys an import brought stay); declared as EventMetadata."""


class EventSerializer(serializers.ModelSerializer):
    streamId = serializers.UUIDField(source="stream_id")
    streamType = serializers.CharField(source="stream_type")
    occurredAt = serializers.DateTimeField(source="occurred_at")
    recordedAt = serializers.DateTimeField(source="recorded_at")
    # DRF's metaclass takes declared fields off the class, so this doesn't shadow Serializer.data.
    data = EventData(read_only=True)  # type: ignore[assignment]
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


class PatientReadSerializer(serializers.ModelSerializer):
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
