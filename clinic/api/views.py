"""The REST endpoints (docs/api.md; the generated schema is the reference).
Reads come from read-model selectors; writes build a command and go through
``commands.execute`` to the command bus. Nothing else happens here."""
from django.contrib.auth.signals import user_logged_in
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

from clinic.audit.models import PatientRead
from clinic.audit.reads import patients_in, record_reads
from clinic.dates import FIRST_DAY, LAST_DAY, CalendarDateField
from clinic.roles import visible, whose
from clinic.roles.rules import Capability
from clinic.roles.staff import staff_of
from clinic.signin import tokens
from clinic.signin.lockout import SignInLocked
from events import store
from events.domain import commands as c
from readmodels import selectors

from . import serializers as s
from .commands import execute
from .parsers import BoundedJSONParser
from .schema import RETRY_AFTER, refused, written


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
    carries ids only and is not recorded."""

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
    @staticmethod
    def patient_of(row):
        return row["id"]


class ShowsAppointment(ShowsPatients):
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

    def get_queryset(self):
        return self.narrow(staff_of(self.request.user), super().get_queryset())

    def get_object(self):
        row = visible.one(staff_of(self.request.user), self.narrow, self.queryset.all(), self.kwargs["pk"])
        if row is None:
            raise Http404("Nothing has this id.")
        self.check_object_permissions(self.request, row)
        return row


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
    capabilities = {"GET": Capability.SEE_DOCTORS}
    queryset = selectors.doctors_with_timesheet()
    serializer_class = s.DoctorDetailSerializer


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

class PatientList(ShowsPatient, NeedToKnow, generics.ListAPIView):
    capabilities = {"GET": Capability.SEE_PATIENTS, "POST": Capability.WRITE_PATIENTS}
    narrow = staticmethod(visible.patients)
    queryset = selectors.patients()
    serializer_class = s.PatientSerializer

    @extend_schema(request=s.RegisterPatient, responses=_responses(s.PatientSerializer, 201, (400, "Invalid input"),
                                                                   (409, "The id exists")))
    def post(self, request):
        data = _valid(s.RegisterPatient, request)
        return execute(
            request,
            c.RegisterPatient(name=data["name"], date_of_birth=data["dateOfBirth"], patient_id=data.get("id")),
            show=_render(request, selectors.patients(), s.PatientSerializer), detail_url="api:patient", created=True)


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
            request, c.UpdatePatient(patient_id=pk, name=data.get("name"), date_of_birth=data.get("dateOfBirth")),
            show=_render(request, selectors.patients(), s.PatientSerializer), detail_url="api:patient")


# --- Appointments --------------------------------------------------------

class CalendarDateFilter(filters.DateFilter):
    field_class = CalendarDateField


class AppointmentFilter(filters.FilterSet):
    # By id, not by model: a ModelChoiceFilter would spend a query checking the doctor exists.
    doctor = filters.UUIDFilter(field_name="doctor_id")
    patient = filters.UUIDFilter(field_name="patient_id")
    day = CalendarDateFilter(help_text=f"YYYY-MM-DD, from {FIRST_DAY} to {LAST_DAY}.")
    status = filters.ChoiceFilter(choices=[("booked", "booked"), ("cancelled", "cancelled")])


class AppointmentList(ShowsAppointment, NeedToKnow, generics.ListAPIView):
    capabilities = {"GET": Capability.SEE_PATIENTS, "POST": Capability.BOOK}
    narrow = staticmethod(visible.appointments)
    queryset = selectors.appointments()
    serializer_class = s.AppointmentSerializer
    filterset_class = AppointmentFilter

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
        events = list(store.read_all(after=after, limit=limit))
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
        page = self.paginate_queryset(events)
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
