"""The REST endpoints (docs/api.md; the generated schema is the reference).
Reads come from read-model selectors; writes build a command and go through
``commands.execute`` to the command bus. Nothing else happens here."""
from django.contrib.auth.signals import user_logged_in
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.views import LogoutView
from rest_framework import generics, serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic import commands
from clinic.audit.models import PatientRead
from clinic.audit.reads import RecordedRead, patients_in, record_reads
from clinic.dates import FIRST_DAY, LAST_DAY, CalendarDateField
from clinic.db.compiled import Compiled
from clinic.roles import visible, whose
from clinic.roles.rules import Capability
from clinic.roles.staff import staff_of
from clinic.signin import tokens
from clinic.signin.lockout import SignInLocked
from events import handlers, store
from events.domain import commands as c
from readmodels import selectors
from readmodels.models import Appointment

from . import serializers as s
from .commands import execute
from .errors import DuplicatePatient
from .exports import CsvExport
from .parsers import BoundedJSONParser
from .schema import CSV_FORMAT, RETRY_AFTER, csv_answer, refused, written


def _responses(ok, ok_status, *errors):
    """A command's own answers; clinic.api.schema adds those every command shares."""
    described = {ok_status: written(ok)}
    described.update({code: refused(text) for code, text in errors})
    return described


def _render(request, queryset, serializer):
    """The written resource as this user may see it (a doctor's hours only to who may)."""
    def show(pk):
        row = queryset.filter(pk=pk).first()
        return None if row is None else serializer(row, context={"request": request}).data
    return show


class ShowsPatients:
    """A view whose answers carry patients' data. Every successful answer — a read,
    or a command's answer, which shows the resource as projected (a cancellation
    shows the patient's name, an update the fields not sent) — is recorded in the
    read audit before it is returned; if that fails, the request fails. A 202
    carries ids only and is not recorded. ``patient_field`` is the field of the
    view's rows that names the patient: a detail read by its id records the read
    in the same statement (``NeedToKnow.read_by_id``)."""

    patient_field: str

    @staticmethod
    def patient_of(row):
        """The patient a row of this view's answers shows."""
        raise NotImplementedError

    def finalize_response(self, request, response, *args, **kwargs):
        # OPTIONS answers the view's description, no resource.
        if response.status_code in (200, 201) and request.method != "OPTIONS" and isinstance(response.data, dict):
            rows = response.data["results"] if "results" in response.data else [response.data]
            record_reads(request, [self.patient_of(row) for row in rows])
        return super().finalize_response(request, response, *args, **kwargs)


class ShowsPatient(ShowsPatients):
    patient_field = "id"

    @staticmethod
    def patient_of(row):
        return row["id"]


class ShowsAppointment(ShowsPatients):
    patient_field = "patient"

    @staticmethod
    def patient_of(row):
        return row["patient"]["id"]


def _valid(serializer_class, request, partial=False):
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ObtainToken(APIView):
    """Exchange a username and password for a new API token, which expires.

    The credentials are checked by ``authenticate`` with the request, so sign-in
    throttling (clinic.signin.lockout) counts this door's failures like the pages'."""

    authentication_classes = ()
    permission_classes = ()
    parser_classes = (BoundedJSONParser,)

    @extend_schema(request=AuthTokenSerializer, parameters=[RETRY_AFTER], responses={
        200: s.Token,
        400: refused("Wrong username or password, a field missing, or a body that is not valid."),
        429: refused("Too many failed sign-ins for this username: it is locked for a while, even with the right "
                     "password. Retry-After says for how many seconds more.")})
    def post(self, request):
        credentials = AuthTokenSerializer(data=request.data, context={"request": request})
        if not credentials.is_valid():
            if getattr(request, "axes_locked_out", False):
                raise SignInLocked.of(request)
            raise ValidationError(credentials.errors)
        user = credentials.validated_data["user"]
        token, expiry = tokens.issue(user)
        # As every door's sign-in: clears the failures counted for this username, sets last_login.
        user_logged_in.send(sender=type(user), request=request, user=user)
        return Response(s.Token({"token": token, "expiry": expiry}).data)


class Logout(LogoutView):
    """Revoke the token this request is authenticated with. It answers 401 from then on."""

    authentication_classes = (tokens.TokenAuthentication,)

    @extend_schema(request=None, responses={204: OpenApiResponse(description="The token is revoked.")})
    def post(self, request, format=None):
        return super().post(request, format)


class NeedToKnow(generics.GenericAPIView):
    """A list holds only the rows in the user's reach, and one row out of reach
    is 403, not 404 (clinic.roles.visible, shared with the pages)."""

    narrow: visible.Narrow = staticmethod(visible.everything)
    _by_id: Compiled | None = None
    _recorded_by_id: RecordedRead | None = None

    def get_queryset(self):
        return self.narrow(staff_of(self.request.user), super().get_queryset())

    def get_object(self):
        row = visible.one(staff_of(self.request.user), self.narrow, self.queryset.all(), self.kwargs["pk"],
                          self.read_by_id)
        if row is None:
            raise Http404("Nothing has this id.")
        self.check_object_permissions(self.request, row)
        return row

    @classmethod
    def by_id(cls) -> Compiled:
        """The view's row by its id, compiled to SQL once per view (clinic.db.compiled):
        Django's compile of the detail's joins took longer than the database's answer."""
        compiled = cls.__dict__.get("_by_id")  # a subclass compiles its own queryset
        if compiled is None:
            queryset = cls.queryset
            assert isinstance(queryset, QuerySet), f"{cls.__name__} names no queryset"
            compiled = Compiled(lambda pk: queryset.filter(pk=pk), queryset.model._meta.pk)
            cls._by_id = compiled
        return compiled

    def read_by_id(self, pk):
        """The row, by ``by_id``. A view that shows patients (``ShowsPatients``)
        records a GET's read in the same statement (clinic.audit.reads.RecordedRead):
        ``visible.one`` reads this way only a row the user may see, and a
        retrieve answers the row it got."""
        field = getattr(self, "patient_field", None)
        if field is None or self.request.method not in ("GET", "HEAD"):
            return self.by_id()(pk)
        cls = type(self)
        recorded = cls.__dict__.get("_recorded_by_id")
        if recorded is None:
            recorded = RecordedRead(self.by_id(), self.queryset.model._meta.get_field(field))
            cls._recorded_by_id = recorded
        return recorded(self.request, pk)


# --- Doctors -------------------------------------------------------------

class DoctorList(generics.ListAPIView):
    capabilities = {"GET": Capability.SEE_DOCTORS, "POST": Capability.MANAGE_DOCTORS}
    queryset = selectors.doctors()
    serializer_class = s.DoctorSerializer

    @extend_schema(request=s.RegisterDoctor, responses=_responses(s.DoctorSerializer, 201, (400, "Invalid input"),
                                                                  (409, "The id exists")))
    def post(self, request):
        data = _valid(s.RegisterDoctor, request)
        return execute(
            request, c.RegisterDoctor(name=data["name"], specialty=data["specialty"], doctor_id=data.get("id")),
            show=_render(request, selectors.doctors(), s.DoctorSerializer), detail_url="api:doctor", created=True)


class DoctorDetail(generics.RetrieveAPIView):
    capabilities = {"GET": Capability.SEE_DOCTORS, "PATCH": Capability.MANAGE_DOCTORS}
    queryset = selectors.doctors_with_timesheet()
    serializer_class = s.DoctorDetailSerializer

    @extend_schema(request=s.UpdateDoctor, responses=_responses(s.DoctorSerializer, 200, (400, "Invalid input"),
                                                                (404, "No such doctor")))
    def patch(self, request, pk):
        data = _valid(s.UpdateDoctor, request)
        return execute(request, c.UpdateDoctor(doctor_id=pk, name=data.get("name"), specialty=data.get("specialty")),
                       show=_render(request, selectors.doctors(), s.DoctorSerializer), detail_url="api:doctor")


class DoctorRetirement(APIView):
    """Retire a doctor: kept on record, no longer booked, no longer arriving."""

    capabilities = {"POST": Capability.MANAGE_DOCTORS}

    @extend_schema(request=s.RetireDoctor, responses=_responses(
        s.DoctorSerializer, 200, (404, "No such doctor"), (409, "Already retired, or on shift")))
    def post(self, request, pk):
        data = _valid(s.RetireDoctor, request)
        return execute(request, c.RetireDoctor(doctor_id=pk, reason=data["reason"]),
                       show=_render(request, selectors.doctors(), s.DoctorSerializer), detail_url="api:doctor")


class DoctorWorkingHours(APIView):
    """Set a doctor's whole week of working hours (clinic local times)."""

    capabilities = {"PUT": Capability.MANAGE_DOCTORS}

    @extend_schema(request=s.SetWorkingHours, responses=_responses(
        s.DoctorDetailSerializer, 200, (400, "Blocks that overlap or end before they start"),
        (404, "No such doctor")))
    def put(self, request, pk):
        data = _valid(s.SetWorkingHours, request)
        weekly = tuple({"weekday": b["weekday"], "start": b["start"], "end": b["end"]} for b in data["weekly"])
        return execute(request, c.SetWorkingHours(doctor_id=pk, weekly=weekly),
                       show=_render(request, selectors.doctors_with_timesheet(), s.DoctorDetailSerializer),
                       detail_url="api:doctor")


class DoctorFreeSlots(APIView):
    """Where a doctor could be booked on a day for a duration: starts on the
    clinic's slot grid inside the doctor's working hours, overlapping none of
    the doctor's bookings, still to come. Read from the read models."""

    capabilities = {"GET": Capability.SEE_DOCTORS}

    @extend_schema(parameters=[s.FreeSlotsQuery], responses={
        200: s.FreeSlots, 400: refused("day or durationMinutes is missing or not valid; each is named."),
        404: refused("No doctor has this id.")})
    def get(self, request, pk):
        query = s.FreeSlotsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        day, duration = query.validated_data["day"], query.validated_data["durationMinutes"]
        doctor = get_object_or_404(selectors.doctors_with_hours(), pk=pk)
        clinic = handlers.Context(actor=request.user.get_username(), source="api").clinic()
        slots = selectors.free_slots(doctor, day, duration, clinic)
        return Response({"day": day.isoformat(), "durationMinutes": duration,
                         "slots": [f"{start:%H:%M}" for start in slots]})


class DoctorTimesheet(CsvExport, APIView):
    """A doctor's shifts that began in a period of clinic local days, with the
    period's total; ``format=csv`` for payroll (a header row, a row per shift,
    a total row)."""

    capabilities = {"GET": Capability.SEE_HOURS}
    for_doctor = staticmethod(whose.doctor_in_url)

    @extend_schema(parameters=[s.TimesheetQuery], responses={
        (200, "application/json"): s.DoctorTimesheet,
        (200, "text/csv"): csv_answer("arrivedAt,leftAt,hoursWorked, then one row per shift and a last row "
                                      "total,,<hours>."),
        400: refused("from or to is missing or not valid, or to is before from; each is named."),
        404: refused("No doctor has this id.")})
    def get(self, request, pk):
        query = s.TimesheetQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        get_object_or_404(selectors.doctors(), pk=pk)
        period = selectors.timesheet(pk, query.validated_data["from"], query.validated_data["to"])
        body = s.DoctorTimesheet({"from": period.first, "to": period.last, "entries": period.entries,
                                  "totalHoursWorked": period.total_hours_worked}).data
        if not self.wants_csv(request):
            return Response(body)
        rows = [["arrivedAt", "leftAt", "hoursWorked"],
                *[[entry["arrivedAt"], entry["leftAt"], entry["hoursWorked"]] for entry in body["entries"]],
                ["total", "", body["totalHoursWorked"]]]
        return Response(rows, headers=self.csv_response_headers(f"timesheet-{pk}-{period.first}-{period.last}.csv"))


class _ShiftCommand(APIView):
    capabilities = {"POST": Capability.RECORD_ATTENDANCE}
    for_doctor = staticmethod(whose.doctor_in_url)
    record: type[c.Arrive] | type[c.Leave]

    def post(self, request, pk):
        data = _valid(s.RecordShiftTime, request)
        return execute(request, self.record(doctor_id=pk, at=data.get("at")),
                       show=_render(request, selectors.doctors(), s.DoctorSerializer), detail_url="api:doctor")


@extend_schema(request=s.RecordShiftTime, responses=_responses(
    s.DoctorSerializer, 200, (400, "Invalid time"), (404, "No such doctor"), (409, "Already on shift")))
class DoctorArrivals(_ShiftCommand):
    """Record that a doctor arrived (started a shift)."""

    record = c.Arrive


@extend_schema(request=s.RecordShiftTime, responses=_responses(
    s.DoctorSerializer, 200, (400, "Invalid time or before the arrival"), (404, "No such doctor"),
    (409, "Not on shift")))
class DoctorDepartures(_ShiftCommand):
    """Record that a doctor left (ended the shift)."""

    record = c.Leave


# --- Patients ------------------------------------------------------------

class PatientFilter(filters.FilterSet):
    search = filters.CharFilter(method="find", max_length=200,
                                help_text="Part of the name (any case), or the start of the phone number.")

    def find(self, queryset, name, value):
        return selectors.find_patients(queryset, value)


class PatientList(ShowsPatient, NeedToKnow, generics.ListAPIView):
    capabilities = {"GET": Capability.SEE_PATIENTS, "POST": Capability.WRITE_PATIENTS}
    narrow = staticmethod(visible.patients)
    queryset = selectors.patients()
    serializer_class = s.PatientSerializer
    filterset_class = PatientFilter

    @extend_schema(request=s.RegisterPatient, responses={
        **_responses(s.PatientSerializer, 201, (400, "Invalid input")),
        409: refused(
            "A patient with the same name and date of birth is registered (duplicateOf names them; send "
            "allowDuplicate: true to register this one anyway), or the id exists.")})
    def post(self, request):
        data = _valid(s.RegisterPatient, request)

        def not_a_duplicate():
            # Read side, at the edge: two registrations at the same moment, or one
            # not projected yet, can both pass (docs/api.md, "Duplicate patients").
            if not data["allowDuplicate"]:
                twin = selectors.same_patient(data["name"], data["dateOfBirth"])
                if twin is not None:
                    raise DuplicatePatient(twin)

        return execute(
            request,
            c.RegisterPatient(name=data["name"], date_of_birth=data["dateOfBirth"], patient_id=data.get("id"),
                              phone=data.get("phone"), email=data.get("email")),
            show=_render(request, selectors.patients(), s.PatientSerializer), detail_url="api:patient", created=True,
            check=not_a_duplicate)


class PatientDetail(ShowsPatient, NeedToKnow, generics.RetrieveAPIView):
    capabilities = {"GET": Capability.SEE_PATIENTS, "PATCH": Capability.WRITE_PATIENTS}
    narrow = staticmethod(visible.patients)
    queryset = selectors.patients()
    serializer_class = s.PatientSerializer

    @extend_schema(request=s.UpdatePatient, responses=_responses(s.PatientSerializer, 200, (400, "Invalid input"),
                                                                 (404, "No such patient")))
    def patch(self, request, pk):
        data = _valid(s.UpdatePatient, request)
        return execute(
            request, c.UpdatePatient(patient_id=pk, name=data.get("name"), date_of_birth=data.get("dateOfBirth"),
                                     phone=data.get("phone"), email=data.get("email")),
            show=_render(request, selectors.patients(), s.PatientSerializer), detail_url="api:patient")


class PatientErasure(APIView):
    """Erase a patient's personal data (crypto-shredding): their key is destroyed,
    every event's personal fields read "[erased]" from now on, and the patient's
    record keeps only its id. Refused while appointments of theirs are still to come."""

    capabilities = {"POST": Capability.ERASE_PATIENTS}

    @extend_schema(request=s.ErasePatient, responses=_responses(
        s.PatientSerializer, 200, (400, "No reason given"), (404, "No such patient"),
        (409, "Already erased, or appointments of theirs still to come")))
    def post(self, request, pk):
        data = _valid(s.ErasePatient, request)
        return execute(request, c.ErasePatient(patient_id=pk, reason=data["reason"]),
                       show=_render(request, selectors.patients(), s.PatientSerializer), detail_url="api:patient",
                       check=lambda: commands.ensure_erasable(pk))


# --- Appointments --------------------------------------------------------

class CalendarDateFilter(filters.DateFilter):
    field_class = CalendarDateField


class AppointmentFilter(filters.FilterSet):
    # By id, not by model: a ModelChoiceFilter would spend a query checking the doctor exists.
    doctor = filters.UUIDFilter(field_name="doctor_id")
    patient = filters.UUIDFilter(field_name="patient_id")
    day = CalendarDateFilter(help_text=f"YYYY-MM-DD, from {FIRST_DAY} to {LAST_DAY}.")
    # "from" is a Python keyword, so the filter is put in the class namespace by name: ?from=.
    locals()["from"] = CalendarDateFilter(field_name="day", lookup_expr="gte",
                                          help_text=f"The first day, YYYY-MM-DD, from {FIRST_DAY} to {LAST_DAY}.")
    to = CalendarDateFilter(field_name="day", lookup_expr="lte",
                            help_text=f"The last day (inclusive), YYYY-MM-DD, from {FIRST_DAY} to {LAST_DAY}.")
    status = filters.ChoiceFilter(choices=Appointment.STATUSES)


@extend_schema(methods=["GET"], parameters=[CSV_FORMAT], responses={
    (200, "application/json"): s.AppointmentSerializer(many=True),
    (200, "text/csv"): csv_answer("With format=csv (from and to required, at most 366 days): a header row, then "
                                  "one row per appointment, unpaged.")})
class AppointmentList(ShowsAppointment, NeedToKnow, CsvExport, generics.ListAPIView):
    capabilities = {"GET": Capability.SEE_PATIENTS, "POST": Capability.BOOK}
    narrow = staticmethod(visible.appointments)
    queryset = selectors.appointments()
    serializer_class = s.AppointmentSerializer
    filterset_class = AppointmentFilter
    CSV_COLUMNS = ["id", "day", "time", "durationMinutes", "status", "patientId", "patientName", "doctorId",
                   "doctorName", "doctorSpecialty"]

    def list(self, request, *args, **kwargs):
        if not self.wants_csv(request):
            return super().list(request, *args, **kwargs)
        period = s.AppointmentExportQuery(data=request.query_params)
        period.is_valid(raise_exception=True)
        exported = list(self.filter_queryset(self.get_queryset()))
        record_reads(request, [a.patient_id for a in exported])  # an export is a read of every patient in it
        rows = [[a.id, a.day, f"{a.time:%H:%M}", a.duration_minutes, a.status, a.patient_id,
                 a.patient.name or s.ERASED_PATIENT, a.doctor_id, a.doctor.name, a.doctor.specialty]
                for a in exported]
        first, last = period.validated_data["from"], period.validated_data["to"]
        return Response([self.CSV_COLUMNS, *rows],
                        headers=self.csv_response_headers(f"appointments-{first}-{last}.csv"))

    @extend_schema(request=s.BookAppointment, responses=_responses(
        s.AppointmentSerializer, 201, (400, "Invalid input, unknown doctor or patient"),
        (409, "The doctor is already booked then, or the id exists")))
    def post(self, request):
        data = _valid(s.BookAppointment, request)
        return execute(
            request,
            c.BookAppointment(doctor_id=data["doctorId"], patient_id=data["patientId"], day=data["day"],
                              time=data["time"], duration_minutes=data["durationMinutes"],
                              appointment_id=data.get("id")),
            show=_render(request, selectors.appointments(), s.AppointmentSerializer), detail_url="api:appointment",
            created=True)


class AppointmentDetail(ShowsAppointment, NeedToKnow, generics.RetrieveAPIView):
    capabilities = {"GET": Capability.SEE_PATIENTS}
    narrow = staticmethod(visible.appointments)
    queryset = selectors.appointments()
    serializer_class = s.AppointmentSerializer


class AppointmentCardDetail(ShowsAppointment, NeedToKnow, generics.RetrieveAPIView):
    """The appointment card: the appointment with its patient's name and age and its
    doctor's name and specialty, as the card process stored it whole — one query,
    no join (docs/architecture.md, "The seed's other answer"). 404 until the
    process has found the appointment's doctor and patient."""

    capabilities = {"GET": Capability.SEE_PATIENTS}
    narrow = staticmethod(visible.appointments)
    queryset = selectors.appointment_cards()
    patient_field = "patient_id"  # the card keeps the patient's id as a column, not a link
    serializer_class = s.AppointmentCardSerializer


class _AppointmentCommand(ShowsAppointment, APIView):
    def run(self, request, command):
        return execute(request, command, show=_render(request, selectors.appointments(), s.AppointmentSerializer),
                       detail_url="api:appointment")


class AppointmentReschedule(_AppointmentCommand):
    """Move an appointment: the old slot is freed and the new one taken in one append."""

    capabilities = {"POST": Capability.BOOK}

    @extend_schema(request=s.RescheduleAppointment, responses=_responses(
        s.AppointmentSerializer, 200, (400, "Invalid input, or the same slot"), (404, "No such appointment"),
        (409, "Taken, not booked, in the past, off the grid or outside the doctor's hours")))
    def post(self, request, pk):
        data = _valid(s.RescheduleAppointment, request)
        return self.run(request, c.RescheduleAppointment(
            appointment_id=pk, day=data["day"], time=data["time"], duration_minutes=data.get("durationMinutes"),
            doctor_id=data.get("doctorId")))


class _Attendance(_AppointmentCommand):
    """Check-in and no-show: no fields, the server's clock says when; a clinician
    records them only for their own doctor's appointments."""

    record: type[c.CheckIn] | type[c.MarkNoShow]
    capabilities = {"POST": Capability.ATTEND}
    for_doctor = staticmethod(whose.doctor_of_appointment)

    def post(self, request, pk):
        _valid(s.Attendance, request)
        return self.run(request, self.record(appointment_id=pk))


@extend_schema(request=s.Attendance, responses=_responses(
    s.AppointmentSerializer, 200, (404, "No such appointment"), (409, "Not booked, or not its day")))
class AppointmentCheckIn(_Attendance):
    """The patient has arrived: only on the appointment's day, while booked."""

    record = c.CheckIn


@extend_schema(request=s.Attendance, responses=_responses(
    s.AppointmentSerializer, 200, (404, "No such appointment"), (409, "Not booked, or not begun yet")))
class AppointmentNoShow(_Attendance):
    """The patient did not come: only after the start, while booked."""

    record = c.MarkNoShow


class AppointmentCancel(ShowsAppointment, APIView):
    """Cancel an appointment; its slot becomes free again."""

    capabilities = {"POST": Capability.BOOK}

    @extend_schema(request=s.CancelAppointment, responses=_responses(
        s.AppointmentSerializer, 200, (404, "No such appointment"), (409, "Already cancelled")))
    def post(self, request, pk):
        data = _valid(s.CancelAppointment, request)
        return execute(request, c.CancelAppointment(appointment_id=pk, reason=data["reason"]),
                       show=_render(request, selectors.appointments(), s.AppointmentSerializer),
                       detail_url="api:appointment")


# --- The event log -------------------------------------------------------

class FeedQuery(serializers.Serializer):
    after = serializers.IntegerField(min_value=0, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=100)


class EventFeed(APIView):
    """The event log in global order, from after a position."""

    capabilities = {"GET": Capability.SEE_HISTORY}

    @extend_schema(parameters=[FeedQuery], responses={
        200: s.EventPage, 400: refused("after or limit is not valid; it is named with its messages.")})
    def get(self, request):
        query = FeedQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        after, limit = query.validated_data["after"], query.validated_data["limit"]
        events = store.read_feed(after=after, limit=limit)
        record_reads(request, patients_in(events))
        next_url = None
        if len(events) == limit:
            next_url = request.build_absolute_uri(f"{request.path}?after={events[-1].position}&limit={limit}")
        return Response({"results": s.EventSerializer(events, many=True).data, "next": next_url})


class StreamEvents(generics.ListAPIView):
    """One stream's events (a doctor, patient, appointment or schedule), in version order."""

    capabilities = {"GET": Capability.SEE_HISTORY}
    serializer_class = s.EventSerializer
    queryset = store.read_all()

    def get_queryset(self):
        return store.read_all().filter(stream_id=self.kwargs["id"]).order_by("version")

    def list(self, request, *args, **kwargs):
        events = self.get_queryset()
        get_object_or_404(events[:1])
        page = store.opened(self.paginate_queryset(events) or [])
        record_reads(request, patients_in(page))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


# --- The read audit ------------------------------------------------------

class AuditQuery(serializers.Serializer):
    patient = serializers.UUIDField(help_text="The patient whose reads to list.")


class AuditList(generics.ListAPIView):
    """Who read one patient's data, newest first (managers only). Listing it reads
    ids only, so it is not itself recorded."""

    capabilities = {"GET": Capability.SEE_HISTORY}
    serializer_class = s.PatientReadSerializer
    queryset = PatientRead.objects.none()

    @extend_schema(parameters=[AuditQuery], responses={
        200: s.PatientReadSerializer(many=True),
        400: refused("patient is missing or not a valid id."),
        403: refused("Not a manager (or not a clinic staff account).")})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = AuditQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return PatientRead.objects.filter(patient_id=query.validated_data["patient"]).order_by("-at", "-id")
