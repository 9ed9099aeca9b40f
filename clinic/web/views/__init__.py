"""Staff pages, one module per part of the clinic. Views stay thin: a form goes to
``commands.submit``, reads go through ``readmodels.selectors``."""
from django.http import Http404
from django.shortcuts import render

from clinic.roles import visible
from clinic.roles.staff import staff_of
from events import store


def shown_or_pending(request, queryset, pk, what, narrow=visible.everything):
    """``(row, None)`` for a projected row; ``(None, response)`` when the events
    are stored but the read side has not caught up yet (a page that updates
    itself once it has); 404 when there is no such stream at all; 403 for a row
    out of the user's reach (``narrow``, clinic.roles.visible)."""
    row = visible.one(staff_of(request.user), narrow, queryset, pk)
    if row is not None:
        return row, None
    if not store.stream_version(pk):
        raise Http404(f"No {what} has this id.")
    return None, render(request, "web/pending.html", {"what": what, "stream_id": pk})


def query_with(request, **changes):
    """The current query string with some parameters changed (None removes one)."""
    params = request.GET.copy()
    for name, value in changes.items():
        params.pop(name, None)
        if value is not None:
            params[name] = value
    return params.urlencode()
