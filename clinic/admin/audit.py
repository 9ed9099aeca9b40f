"""The read audit in the Django admin: listed for inspection, never added to,
changed or deleted here (the database refuses the last two anyway). It holds ids
only, so showing it reads no patient's data."""
from django.contrib import admin

from clinic.audit.models import PatientRead

from .events import ReadOnlyAdmin


@admin.register(PatientRead)
class PatientReadAdmin(ReadOnlyAdmin):
    list_display = ["at", "username", "view", "patient_id", "correlation_id", "refresh"]
    list_filter = ["view", "refresh", "at"]
    search_fields = ["=patient_id", "=username", "=correlation_id"]
    search_help_text = "Search by patient id, username or correlation id (exactly)."
    show_full_result_count = False  # one COUNT(*) less on a table that only grows
    readonly_fields = ("at", "user_id", "username", "view", "patient_id", "correlation_id", "refresh")
    fields = readonly_fields
