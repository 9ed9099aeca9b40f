"""Clinic's URLs plus the benchmarks' own endpoints:

* ``bench/fold/appointments/<id>/`` and ``bench/unaudited/appointments/<id>/``
  (see ``bench.baselines``);
* ``bench/floor/appointments/<id>/`` (``bench.http``'s floor): a bare Django view
  that answers the JSON bytes in the file named by ``BENCH_FLOOR_BODY`` — the API's
  answer for one appointment, whatever id is asked — with no DRF, no
  authentication and no query; only the middleware every page has.
"""
import os
from functools import cache

from django.http import HttpResponse
from django.urls import path

from clinic.urls import handler404, handler500  # noqa: F401
from clinic.urls import urlpatterns as clinic_urlpatterns

from .baselines import FoldedAppointmentDetail, UnauditedAppointmentDetail


@cache
def _floor_body():
    with open(os.environ["BENCH_FLOOR_BODY"], "rb") as body:
        return body.read()


def floor(request, pk):
    return HttpResponse(_floor_body(), content_type="application/json")


urlpatterns = [
    path("bench/fold/appointments/<uuid:pk>/", FoldedAppointmentDetail.as_view(), name="bench-fold-appointment"),
    path("bench/unaudited/appointments/<uuid:pk>/", UnauditedAppointmentDetail.as_view(),
         name="bench-unaudited-appointment"),
    path("bench/floor/appointments/<uuid:pk>/", floor, name="bench-floor-appointment"),
    *clinic_urlpatterns,
]
