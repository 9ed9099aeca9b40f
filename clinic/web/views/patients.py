from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from events.domain import commands as c
from readmodels import selectors

from .. import commands
from ..access import staff_page
from ..forms import PatientForm, PatientSearchForm
from . import query_with, shown_or_pending

PAGE_SIZE = 25
HISTORY = 50


@staff_page
@require_http_methods(["GET", "POST"])
def patient_list(request):
    form = PatientForm(request.POST if request.method == "POST" else None)
    if form.is_bound:
        written = commands.submit(request, form, lambda data: c.RegisterPatient(
            name=data["name"], date_of_birth=data["date_of_birth"]))
        if written:
            messages.success(request, f"{form.cleaned_data['name']} registered.")
            return redirect("web:patient", written.id)
    search = PatientSearchForm(request.GET)
    patients = selectors.patients()
    if search.is_valid() and search.cleaned_data["q"]:
        patients = patients.filter(name__icontains=search.cleaned_data["q"].strip())
    page = Paginator(patients, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/patients/list.html", {
        "page": page, "search": search, "form": form,
        "previous_query": query_with(request, page=page.previous_page_number()) if page.has_previous() else None,
        "next_query": query_with(request, page=page.next_page_number()) if page.has_next() else None,
    }, status=commands.status(form))


@staff_page
@require_http_methods(["GET", "POST"])
def patient_page(request, pk):
    patient, pending = shown_or_pending(request, selectors.patients(), pk, "patient")
    if pending:
        return pending
    form = PatientForm(request.POST if request.method == "POST" else None,
                       initial={"name": patient.name, "date_of_birth": patient.date_of_birth})
    if form.is_bound:
        written = commands.submit(request, form, lambda data: c.UpdatePatient(
            patient_id=pk, name=data["name"], date_of_birth=data["date_of_birth"]))
        if written:
            messages.success(request, "Patient details saved.")
            return redirect("web:patient", pk)
    appointments = selectors.appointments().filter(patient_id=pk).order_by("-day", "-time")[:HISTORY]
    return render(request, "web/patients/detail.html", {
        "patient": patient, "appointments": appointments, "form": form,
    }, status=commands.status(form))
