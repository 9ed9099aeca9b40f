"""Whose doctor a request acts for, read from its URL's arguments.

A clinician may act only for their own doctor (``rules.may(staff, capability,
doctor_id)``). An endpoint or page that acts for one doctor names one of these
finders, and the API's permission and ``staff_page`` ask it before the view
runs. A finder answers None when there is no such record: the rule then asks
only whether the user may act at all, and the view answers 404.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from readmodels import selectors

DoctorOf = Callable[[Mapping[str, Any]], "uuid.UUID | None"]


def doctor_in_url(kwargs: Mapping[str, Any]) -> uuid.UUID | None:
    """``/doctors/<pk>/…``: the doctor is the URL's."""
    return kwargs["pk"]


def doctor_of_appointment(kwargs: Mapping[str, Any]) -> uuid.UUID | None:
    """``/appointments/<pk>/…`` (check-in, no-show): the doctor it is booked with."""
    return selectors.appointments().filter(pk=kwargs["pk"]).values_list("doctor_id", flat=True).first()
