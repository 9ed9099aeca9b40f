"""Clinic's URLs plus ``bench/fold/appointments/<id>/`` (see ``bench.baselines``)."""
from django.urls import path

from clinic.urls import handler404, handler500  # noqa: F401
from clinic.urls import urlpatterns as clinic_urlpatterns

from .baselines import FoldedAppointmentDetail, UnauditedAppointmentDetail

urlpatterns = [
    path("bench/fold/appointments/<uuid:pk>/", FoldedAppointmentDetail.as_view(), name="bench-fold-appointment"),
    path("bench/unaudited/appointments/<uuid:pk>/", UnauditedAppointmentDetail.as_view(),
         name="bench-unaudited-appointment"),
    *clinic_urlpatterns,
]
