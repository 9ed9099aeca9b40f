from django.http import Http404
from django.shortcuts import render

from clinic.audit.reads import patients_in, record_reads
from clinic.roles.rules import Capability

from .. import eventlog, timetravel
from ..access import staff_page
from ..forms import EventLogFilterForm
from . import query_with


@staff_page(Capability.SEE_HISTORY)
def event_log(request):
    filters = EventLogFilterForm(request.GET)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    log = eventlog.page(type=chosen.get("type"), stream_type=chosen.get("stream_type"),
                        stream=chosen.get("stream"), before=chosen.get("before"))
    record_reads(request, patients_in([entry.event for entry in log.entries]))
    return render(request, "web/events/list.html", {
        "log": log, "filters": filters,
        "older_query": query_with(request, before=str(log.older)) if log.older else None,
        "newest_query": query_with(request, before=None) if chosen.get("before") else None,
    })


@staff_page(Capability.SEE_HISTORY)
def stream_page(request, stream_id):
    """One stream's history, and its state after the version asked for (time travel)."""
    try:
        version = int(request.GET["version"]) if request.GET.get("version") else None
    except ValueError:
        version = None
    history = timetravel.history(stream_id, version)
    if history is None:
        raise Http404("No events have this stream id.")
    record_reads(request, patients_in(history.events))
    return render(request, "web/events/stream.html", {"stream_id": stream_id, "history": history})
