"""Who may call which endpoint: the contract's role table (clinic.roles.rules),
declared by each view per method.

A view says what each of its methods needs::

    capabilities = {"GET": Capability.SEE_PATIENTS, "PATCH": Capability.WRITE_PATIENTS}
    for_doctor = staticmethod(whose.doctor_in_url)   # only if it acts for one doctor

``RoleAllows`` (the default permission) refuses with 403 and a sentence saying
why: an account that is not staff, a staff account without a role (an
administrator must give one), a role that may not, a clinician acting for another
doctor. A view method without a declared capability is a mistake in the code, and
refused loudly: a forgotten declaration must never mean "allowed".
"""
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from clinic.roles.rules import Capability, may
from clinic.roles.staff import NO_ROLE_MESSAGE, refusal, staff_of
from clinic.staff import is_clinic_staff


class IsClinicStaff(BasePermission):
    """Only the clinic's staff accounts; any other signed-in user gets 403. The
    schema and its docs ask no more (``SPECTACULAR_SETTINGS``)."""

    message = "This account is not a clinic staff account."

    def has_permission(self, request, view):
        return is_clinic_staff(request.user)


class RoleAllows(IsClinicStaff):
    """The user's role may use this method of this view (and for its doctor)."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        staff = staff_of(request.user)
        if not staff.has_role:
            raise PermissionDenied(NO_ROLE_MESSAGE)
        capability = capability_of(view, request.method)
        if capability is None:
            return True
        if not may(staff, capability):
            raise PermissionDenied(refusal(capability))
        doctor_of = getattr(view, "for_doctor", None)
        if doctor_of is not None and not may(staff, capability, doctor_of(view.kwargs)):
            raise PermissionDenied(refusal(capability, for_another_doctor=True))
        return True


def capability_of(view: Any, method: str) -> Capability | None:
    """What this method of the view needs; None for a method anyone with a role
    may use (OPTIONS) or that the view does not have (405 follows)."""
    method = "GET" if method == "HEAD" else method
    if method == "OPTIONS" or not hasattr(view, method.lower()):
        return None
    declared = getattr(view, "capabilities", {})
    if method not in declared:
        raise ImproperlyConfigured(f"{type(view).__name__} declares no capability for {method}.")
    capability: Capability = declared[method]
    return capability
