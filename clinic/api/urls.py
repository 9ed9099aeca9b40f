from django.urls import path

from . import docs, views

app_name = "api"

urlpatterns = [
    path("auth/token/", views.ObtainToken.as_view(), name="token"),
    path("auth/logout/", views.Logout.as_view(), name="logout"),
    path("doctors/", views.DoctorList.as_view(), name="doctors"),
    path("doctors/<uuid:pk>/", views.DoctorDetail.as_view(), name="doctor"),
    path("doctors/<uuid:pk>/arrivals/", views.DoctorArrivals.as_view(), name="doctor-arrivals"),
    path("doctors/<uuid:pk>/departures/", views.DoctorDepartures.as_view(), name="doctor-departures"),
    path("doctors/<uuid:pk>/retirement/", views.DoctorRetirement.as_view(), name="doctor-retirement"),
    path("doctors/<uuid:pk>/working-hours/", views.DoctorWorkingHours.as_view(), name="doctor-working-hours"),
    path("doctors/<uuid:pk>/free-slots/", views.DoctorFreeSlots.as_view(), name="doctor-free-slots"),
    path("doctors/<uuid:pk>/timesheet/", views.DoctorTimesheet.as_view(), name="doctor-timesheet"),
    path("patients/", views.PatientList.as_view(), name="patients"),
    path("patients/<uuid:pk>/", views.PatientDetail.as_view(), name="patient"),
    path("patients/<uuid:pk>/erasure/", views.PatientErasure.as_view(), name="patient-erasure"),
    path("appointments/", views.AppointmentList.as_view(), name="appointments"),
    path("appointments/<uuid:pk>/", views.AppointmentDetail.as_view(), name="appointment"),
    path("appointments/<uuid:pk>/cancel/", views.AppointmentCancel.as_view(), name="appointment-cancel"),
    path("appointments/<uuid:pk>/reschedule/", views.AppointmentReschedule.as_view(), name="appointment-reschedule"),
    path("appointments/<uuid:pk>/check-in/", views.AppointmentCheckIn.as_view(), name="appointment-check-in"),
    path("appointments/<uuid:pk>/no-show/", views.AppointmentNoShow.as_view(), name="appointment-no-show"),
    path("appointment-cards/<uuid:pk>/", views.AppointmentCardDetail.as_view(), name="appointment-card"),
    path("events/", views.EventFeed.as_view(), name="events"),
    path("streams/<uuid:id>/events/", views.StreamEvents.as_view(), name="stream-events"),
    path("audit/", views.AuditList.as_view(), name="audit"),
    path("schema/", docs.Schema.as_view(), name="schema"),
    path("docs/", docs.Docs.as_view(), name="docs"),
]
