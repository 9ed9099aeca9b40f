"""The event log in the Django admin: for inspection only.

No one may add, change or delete an event here — superusers included: the
permissions are refused outright, not granted per user. (The model and the
database refuse too; see ``events.immutability``.)
"""
import json

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from clinic.audit.reads import patients_in
from events.models import StoredEvent

from .reads import ShowsPatients


class ReadOnlyAdmin(admin.ModelAdmin):
    """View only, whoever asks."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _pretty(value):
    return format_html('<pre class="event-json">{}</pre>',
                       json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False))


@admin.register(StoredEvent)
class StoredEventAdmin(ShowsPatients, ReadOnlyAdmin):
    list_display = ["position", "type", "stream_type", "stream", "version", "actor", "occurred_at", "recorded_at"]
    list_filter = ["type", "stream_type", "occurred_at", "recorded_at"]
    search_fields = ["stream_id", "metadata__actor"]
    search_help_text = "Search by stream id or by actor."
    show_full_result_count = False  # one COUNT(*) less on a table that only grows
    # The data as stored, with the schema version it was written in (the pages and
    # the API show it upcast to today's shape).
    readonly_fields = ("position", "event_id", "type", "schema_version", "stream", "stream_type", "version",
                       "occurred_at", "recorded_at", "pretty_data", "pretty_metadata")
    fields = readonly_fields

    class Media:
        css = {"all": ["clinic/admin.css"]}  # no style="": the Content-Security-Policy refuses inline styles

    def patients_shown(self, rows):
        return patients_in(list(rows))

    @admin.display(description="actor")
    def actor(self, event):
        return event.metadata.get("actor", "")

    @admin.display(description="stream", ordering="stream_id")
    def stream(self, event):
        """The stream's events here, and its history (time travel) on the staff pages."""
        events = reverse("admin:events_storedevent_changelist") + f"?stream_id={event.stream_id}"
        history = reverse("web:stream", args=[event.stream_id])
        return format_html('<a href="{}">{}</a> (<a href="{}">history</a>)', events, event.stream_id, history)

    @admin.display(description="data")
    def pretty_data(self, event):
        return _pretty(event.plain_data)

    @admin.display(description="metadata")
    def pretty_metadata(self, event):
        return _pretty(event.metadata)
