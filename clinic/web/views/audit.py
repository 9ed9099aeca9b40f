"""The read audit for managers: who read one patient's data, newest first.

It lists ids and usernames, never the patient's name, so looking at it is not a
read of the patient's data and is not itself recorded."""
from django.core.paginator import Paginator
from django.shortcuts import render

from clinic.audit.models import PatientRead
from clinic.roles.rules import Capability

from ..access import staff_page
from ..forms import AuditFilterForm
from . import query_with

PAGE_SIZE = 50


@staff_page(Capability.SEE_HISTORY)
def audit_page(request):
    filters = AuditFilterForm(request.GET)
    if not filters.is_valid():
        return render(request, "web/audit.html", {"filters": filters}, status=400)
    patient_id = filters.cleaned_data["patient"]
    reads = PatientRead.objects.filter(patient_id=patient_id).order_by("-at", "-id")
    page = Paginator(reads, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/audit.html", {
        "filters": filters, "patient_id": patient_id, "page": page,
        "previous_query": query_with(request, page=page.previous_page_number()) if page.has_previous() else None,
        "next_query": query_with(request, page=page.next_page_number()) if page.has_next() else None,
    })
