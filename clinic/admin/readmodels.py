"""Read models in the Django admin: for inspection, never for editing — only
projectors write these tables. Each row links to the events it was built from.
Projector checkpoints show how far behind the event log each projector is, and a
superuser can rebuild one from the events."""
from django.contrib import admin, messages
from django.db.models import F, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html

from events.models import StoredEvent
from readmodels.models import Appointment, Checkpoint, DeadLetter, Doctor, Patient, TimesheetEntry
from readmodels.projectors import by_name
from readmodels.rebuild import rebuild

from .events import ReadOnlyAdmin
from .reads import ShowsPatients


def events_link(stream_id, label="events"):
    url = reverse("admin:events_storedevent_changelist") + f"?stream_id={stream_id}"
    return format_html('<a href="{}">{}</a>', url, label)


class ProjectedAdmin(ReadOnlyAdmin):
    @admin.display(description="events")
    def events(self, row):
        return events_link(row.pk, "its events")


class TimesheetInline(admin.TabularInline):
    model = TimesheetEntry
    fields = readonly_fields = ("arrived_at", "left_at", "hours_worked")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Doctor)
class DoctorAdmin(ProjectedAdmin):
    list_display = ["name", "specialty", "on_shift_since", "total_hours_worked", "version", "events"]
    list_filter = ["specialty"]
    search_fields = ["name", "id"]
    readonly_fields = ("id", "name", "specialty", "on_shift_since", "total_hours_worked", "version", "events")
    fields = readonly_fields
    inlines = [TimesheetInline]


@admin.register(TimesheetEntry)
class TimesheetEntryAdmin(ProjectedAdmin):
    list_display = ["doctor", "arrived_at", "left_at", "hours_worked", "events"]
    list_select_related = ["doctor"]
    search_fields = ["doctor__name"]
    date_hierarchy = "arrived_at"

    @admin.display(description="events")
    def events(self, row):
        return events_link(row.doctor_id, "the doctor's events")


@admin.register(Patient)
class PatientAdmin(ShowsPatients, ProjectedAdmin):
    def patients_shown(self, rows):
        return [patient.pk for patient in rows]

    list_display = ["name", "date_of_birth", "age", "version", "events"]
    search_fields = ["name", "id"]
    readonly_fields = ("id", "name", "date_of_birth", "age", "version", "events")
    fields = readonly_fields


@admin.register(Appointment)
class AppointmentAdmin(ShowsPatients, ProjectedAdmin):
    def patients_shown(self, rows):
        return [appointment.patient_id for appointment in rows]

    list_display = ["day", "time", "duration_minutes", "doctor", "patient", "status", "events"]
    list_filter = ["status", "day"]
    list_select_related = ["doctor", "patient"]
    search_fields = ["id", "doctor__name", "patient__name"]
    readonly_fields = ("id", "day", "time", "duration_minutes", "doctor", "patient", "status", "cancel_reason",
                       "version", "events")
    fields = readonly_fields


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    list_display = ["projector", "position", "head_position", "lag", "last_run"]
    actions = ["rebuild_projectors"]

    def get_queryset(self, request):
        head = Subquery(StoredEvent.objects.order_by("-position").values("position")[:1])
        return super().get_queryset(request).annotate(head=Coalesce(head, 0)).annotate(behind=F("head") - F("position"))

    @admin.display(description="head position", ordering="head")
    def head_position(self, checkpoint):
        return checkpoint.head

    @admin.display(description="lag (events)", ordering="behind")
    def lag(self, checkpoint):
        return checkpoint.behind

    @admin.display(description="last run (that advanced)", ordering="updated_at")
    def last_run(self, checkpoint):
        return checkpoint.updated_at

    def has_rebuild_permission(self, request):
        return request.user.is_superuser

    @admin.action(description="Rebuild the selected projectors from the event log", permissions=["rebuild"])
    def rebuild_projectors(self, request, queryset):
        try:
            projectors = [by_name(checkpoint.projector) for checkpoint in queryset]
        except LookupError as unknown:
            self.message_user(request, str(unknown), messages.ERROR)
            return
        position = rebuild(projectors)
        names = ", ".join(p.name for p in projectors)
        self.message_user(request, f"Rebuilt {names} from the event log, up to position {position}.",
                          messages.SUCCESS)


@admin.register(DeadLetter)
class DeadLetterAdmin(ReadOnlyAdmin):
    """Events a projector parked (docs/operations.md); `manage.py retry_dead_letters` replays them."""

    list_display = ["projector", "position", "event_type", "attempts", "parked_at", "error"]
    list_filter = ["projector", "event_type"]
    readonly_fields = ("projector", "position", "event_type", "attempts", "parked_at", "error", "traceback",
                       "the_event")
    fields = readonly_fields

    @admin.display(description="event")
    def the_event(self, letter):
        url = reverse("admin:events_storedevent_changelist") + f"?position={letter.position}"
        return format_html('<a href="{}">the event at position {}</a>', url, letter.position)
