"""API shapes, in the camelCase of API.md. Input serializers validate the form of
a command; the domain decides whether it is allowed."""
from rest_framework import serializers

from events.domain.appointment import MAX_DURATION, MIN_DURATION
from events.models import StoredEvent
from readmodels.models import Appointment, Doctor, Patient, TimesheetEntry


class Hours(serializers.FloatField):
    """Hours as a plain JSON number: 8 stays 8, 8.5 stays 8.5."""

    def to_representation(self, value):
        return value


# --- Commands -----------------------------------------------------------

class Command(serializers.Serializer):
    """A command's input. Unknown fields are refused: a misspelt ``reson`` must not
    silently drop the reason."""

    def validate(self, data):
        unknown = set(self.initial_data) - set(self.fields) if isinstance(self.initial_data, dict) else set()
        if unknown:
            raise serializers.ValidationError({name: ["Unknown field."] for name in sorted(unknown)})
        return data


class RegisterDoctor(Command):
    id = serializers.UUIDField(required=False, help_text="Optional client-chosen id.")
    name = serializers.CharField(max_length=200)
    specialty = serializers.CharField(max_length=100)


class RecordShiftTime(Command):
    at = serializers.DateTimeField(required=False, help_text="When it happened; default now.")


class RegisterPatient(Command):
    id = serializers.UUIDField(required=False, help_text="Optional client-chosen id.")
    name = serializers.CharField(max_length=200)
    dateOfBirth = serializers.DateField()


class UpdatePatient(Command):
    name = serializers.CharField(max_length=200, required=False)
    dateOfBirth = serializers.DateField(required=False)

    def validate(self, data):
        data = super().validate(data)
        if not data:
            raise serializers.ValidationError("Give a name or a dateOfBirth to change.")
        return data


class BookAppointment(Command):
    id = serializers.UUIDField(required=False, help_text="Optional client-chosen id.")
    doctorId = serializers.UUIDField()
    patientId = serializers.UUIDField()
    day = serializers.DateField()
    time = serializers.TimeField(input_formats=["%H:%M", "%H:%M:%S"])
    durationMinutes = serializers.IntegerField(min_value=MIN_DURATION, max_value=MAX_DURATION, default=30)


class CancelAppointment(Command):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


# --- Read models ---------------------------------------------------------

class DoctorSerializer(serializers.ModelSerializer):
    onShift = serializers.BooleanField(source="on_shift", read_only=True)
    totalHoursWorked = Hours(source="total_hours_worked", read_only=True)

    class Meta:
        model = Doctor
        fields = ["id", "name", "specialty", "onShift", "totalHoursWorked"]


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


class AppointmentSerializer(serializers.ModelSerializer):
    time = serializers.TimeField(format="%H:%M")
    durationMinutes = serializers.IntegerField(source="duration_minutes")
    patient = PatientSummary()
    doctor = DoctorSummary()

    class Meta:
        model = Appointment
        fields = ["id", "day", "time", "durationMinutes", "status", "patient", "doctor"]


class EventSerializer(serializers.ModelSerializer):
    streamId = serializers.UUIDField(source="stream_id")
    streamType = serializers.CharField(source="stream_type")
    occurredAt = serializers.DateTimeField(source="occurred_at")
    recordedAt = serializers.DateTimeField(source="recorded_at")

    class Meta:
        model = StoredEvent
        fields = ["position", "streamId", "streamType", "version", "type", "data", "metadata",
                  "occurredAt", "recordedAt"]


class Accepted(serializers.Serializer):
    """The 202 answer: the write is durable, the read side has not caught up yet."""

    id = serializers.UUIDField()
    position = serializers.IntegerField()


class Token(serializers.Serializer):
    token = serializers.CharField()
