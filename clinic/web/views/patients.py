import secrets
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from clinic.audit.reads import record_reads
from clinic.commands import ensure_erasable
from clinic.roles import visible
from clinic.roles.rules import Capability, may
from clinic.roles.staff import staff_of
from events.domain import commands as c
from events.domain.errors import Conflict
from readmodels import selectors

from .. import commands
from ..access import staff_page
from ..forms import ErasePatientForm, PatientForm, PatientSearchForm, RegisterPatientForm
from . import query_with, shown_or_pending

PAGE_SIZE = 25
HISTORY = 50
SEARCHES = "patient_searches"  # the session's {token: what was searched}
KEPT_SEARCHES = 20


@staff_page(Capability.SEE_PATIENTS, write=Capability.WRITE_PATIENTS)
@require_http_methods(["GET", "POST"])
def patient_list(request):
    """The patients, or those a search found (``?search=``, see ``search_patients``),
    page by page; and the form that registers a patient."""
    if request.method == "GET" and "q" in request.GET:
        # A link from before searches were posted: the same search, its name out of the URL.
        return _searched(request, request.GET["q"])
    form = RegisterPatientForm(request.POST if request.method == "POST" else None)
    if form.is_bound:
        written = commands.submit(request, form, _registration)
        if written:
            messages.success(request, f"{form.cleaned_data['name']} registered.")
            return redirect("web:patient", written.id)
    token = request.GET.get("search")
    query = request.session.get(SEARCHES, {}).get(token) if token else None
    patients = visible.patients(staff_of(request.user), selectors.patients())
    if query:
        patients = patients.filter(name__icontains=query)
    page = Paginator(patients, PAGE_SIZE).get_page(request.GET.get("page"))
    record_reads(request, [patient.pk for patient in page])
    return render(request, "web/patients/list.html", {
        "page": page, "search": PatientSearchForm(initial={"q": query}), "query": query, "form": form,
        "search_gone": bool(token) and query is None,
        "previous_query": query_with(request, page=page.previous_page_number()) if page.has_previous() else None,
        "next_query": query_with(request, page=page.next_page_number()) if page.has_next() else None,
    }, status=commands.status(form))


def _registration(data):
    """The patient to register, unless they look registered already (the same name
    and date of birth) and the form does not say this is another person. Read side,
    at the edge, as the API's guard (docs/api.md, "Duplicate patients")."""
    twin = None if data["allow_duplicate"] else selectors.same_patient(data["name"], data["date_of_birth"])
    if twin is not None:
        born = twin.date_of_birth
        raise Conflict(f"{twin.name}, born {born.day} {born:%B %Y}, is already registered: open their record "
                       "from the list, or tick Register anyway if this is another person.", field="name")
    return c.RegisterPatient(name=data["name"], date_of_birth=data["date_of_birth"])


@staff_page(Capability.SEE_PATIENTS)
@require_POST
def search_patients(request):
    """A search by name is posted, never put in a URL, where it would reach the
    access logs of the server and of any proxy in front of it, and the browser's
    history. It is kept in the session under a random token, and the list is shown
    at ``?search=<token>``: a URL that pages, goes back and forward, and reloads
    like any other, and names nobody."""
    search = PatientSearchForm(request.POST)
    return _searched(request, search.cleaned_data["q"] if search.is_valid() else "")


def _searched(request, query):
    query = " ".join(query.split())
    if not query:
        return redirect("web:patients")
    searches = {token: earlier for token, earlier in request.session.get(SEARCHES, {}).items()
                if earlier != query}
    token = secrets.token_urlsafe(8)
    searches[token] = query
    request.session[SEARCHES] = dict(list(searches.items())[-KEPT_SEARCHES:])
    return HttpResponseRedirect(f"{reverse('web:patients')}?{urlencode({'search': token})}", status=303)


@staff_page(Capability.SEE_PATIENTS, write=Capability.WRITE_PATIENTS)
@require_http_methods(["GET", "POST"])
def patient_page(request, pk):
    patient, pending = shown_or_pending(request, selectors.patients(), pk, "patient", visible.patients)
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
    return _detail(request, patient, form=form, erase_form=ErasePatientForm())


@staff_page(Capability.SEE_PATIENTS, write=Capability.ERASE_PATIENTS)
@require_POST
def erase_patient(request, pk):
    """Erasure (crypto-shredding): the patient's key goes, and with it every
    personal field they ever had in the log. Refused while appointments of theirs
    are still to come."""
    patient, pending = shown_or_pending(request, selectors.patients(), pk, "patient", visible.patients)
    if pending:
        return pending
    form = ErasePatientForm(request.POST)

    def erase(data):
        ensure_erasable(pk)
        return c.ErasePatient(patient_id=pk, reason=data["reason"])

    if commands.submit(request, form, erase):
        messages.success(request, "The patient's personal data is erased.")
        return redirect("web:patient", pk)
    return _detail(request, patient, form=PatientForm(initial={"name": patient.name,
                                                               "date_of_birth": patient.date_of_birth}),
                   erase_form=form)


def _detail(request, patient, *, form, erase_form):
    staff = staff_of(request.user)
    appointments = visible.appointments(staff, selectors.appointments()).filter(
        patient_id=patient.pk).order_by("-day", "-time")[:HISTORY]
    record_reads(request, [patient.pk])
    return render(request, "web/patients/detail.html", {
        "patient": patient, "appointments": appointments, "form": form, "erase_form": erase_form,
        "sees_audit": may(staff, Capability.SEE_HISTORY),
    }, status=commands.status(form, erase_form))
