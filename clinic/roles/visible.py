"""What of the clinic a user may see: the one narrowing that the API and the
staff pages both apply to what they list and show.

A list holds only the rows in the user's reach (``rules.reach``): everything for
reception and managers; for a clinician, their own doctor's appointments and the
patients booked with that doctor (any status). A single row out of reach is
refused (403, as the contract says), not hidden as missing: the id is not a
secret, the record is.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet

from readmodels import selectors
from readmodels.models import Appointment, AppointmentCard, Patient

from .rules import Capability, Reach, Staff, reach

M = TypeVar("M", bound=Model)
A = TypeVar("A", Appointment, AppointmentCard)
Narrow = Callable[[Staff, "QuerySet[Any]"], "QuerySet[Any]"]

OUT_OF_REACH = ("Not yours to see: a clinician sees only their own doctor's appointments and the patients "
                "booked with that doctor.")


def patients(staff: Staff, queryset: QuerySet[Patient]) -> QuerySet[Patient]:
    granted = reach(staff, Capability.SEE_PATIENTS)
    if granted is Reach.ANY:
        return queryset
    if granted is Reach.OWN and staff.doctor_id is not None:  # OWN means linked to a doctor
        return selectors.booked_with(staff.doctor_id, queryset)
    return queryset.none()


def appointments(staff: Staff, queryset: QuerySet[A]) -> QuerySet[A]:
    """Appointments, or anything else that names an appointment's ``doctor_id``
    (the appointment cards)."""
    granted = reach(staff, Capability.SEE_PATIENTS)  # an appointment names its patient
    if granted is Reach.ANY:
        return queryset
    if granted is Reach.OWN and staff.doctor_id is not None:
        return queryset.filter(doctor_id=staff.doctor_id)
    return queryset.none()


def everything(staff: Staff, queryset: QuerySet[M]) -> QuerySet[M]:
    """Doctors: every role sees every doctor (their hours are another matter)."""
    return queryset


def one(staff: Staff, narrow: Narrow, queryset: QuerySet[M], pk: Any,
        by_id: Callable[[Any], list[M]] | None = None) -> M | None:
    """The row ``pk`` as this user may see it; None if there is no such row;
    ``PermissionDenied`` if there is one, out of their reach. ``by_id``, if given,
    reads ``queryset.filter(pk=pk)`` compiled once (clinic.db.compiled): it is
    used when the narrowing narrows nothing (returns the queryset itself), as it
    does for every role but a clinician."""
    narrowed = narrow(staff, queryset)
    # A slice, not ``first()``: one id is one row, and ``first()`` would order by it.
    found = by_id(pk) if by_id is not None and narrowed is queryset else list(narrowed.filter(pk=pk)[:1])
    row = found[0] if found else None
    if row is None and queryset.filter(pk=pk).exists():
        raise PermissionDenied(OUT_OF_REACH)
    return row
