from django.contrib.auth import views as auth
from django.urls import path

from . import live
from .views import appointments, audit, booking, calendar, dashboard, doctors, eventlog, patients, timesheets

app_name = "web"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("doctors/", doctors.doctor_list, name="doctors"),
    path("doctors/<uuid:pk>/", doctors.doctor_page, name="doctor"),
    path("doctors/<uuid:pk>/edit/", doctors.edit_doctor, name="doctor-edit"),
    path("doctors/<uuid:pk>/working-hours/", doctors.set_working_hours, name="doctor-working-hours"),
    path("doctors/<uuid:pk>/retirement/", doctors.retire_doctor, name="doctor-retirement"),
    path("doctors/<uuid:pk>/timesheet/", timesheets.doctor_timesheet, name="doctor-timesheet"),
    path("doctors/<uuid:pk>/week/", calendar.doctor_week, name="doctor-week"),
    path("doctors/<uuid:pk>/arrival/", doctors.record_arrival, name="doctor-arrival"),
    path("doctors/<uuid:pk>/departure/", doctors.record_departure, name="doctor-departure"),
    path("patients/", patients.patient_list, name="patients"),
    path("patients/search/", patients.search_patients, name="patient-search"),
    path("patients/<uuid:pk>/", patients.patient_page, name="patient"),
    path("patients/<uuid:pk>/erasure/", patients.erase_patient, name="patient-erasure"),
    path("appointments/", appointments.appointment_list, name="appointments"),
    path("appointments/<uuid:pk>/", appointments.appointment_page, name="appointment"),
    path("appointments/<uuid:pk>/cancel/", appointments.cancel_appointment, name="appointment-cancel"),
    path("appointments/<uuid:pk>/reschedule/", appointments.reschedule_appointment,
         name="appointment-reschedule"),
    path("appointments/<uuid:pk>/check-in/", appointments.check_in, name="appointment-check-in"),
    path("appointments/<uuid:pk>/no-show/", appointments.no_show, name="appointment-no-show"),
    path("day/", calendar.day_sheet, name="day"),
    path("book/", booking.book_page, name="book"),
    path("book/patients/", booking.patient_picker, name="patient-picker"),
    path("events/", eventlog.event_log, name="events"),
    path("events/streams/<uuid:stream_id>/", eventlog.stream_page, name="stream"),
    path("audit/", audit.audit_page, name="audit"),
    path("live/", live.stream, name="live"),
    path("accounts/login/", auth.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth.LogoutView.as_view(), name="logout"),
]
