from rest_framework.permissions import BasePermission

from clinic.roles.rules import Capability, may
from clinic.roles.staff import staff_of
from clinic.staff import is_clinic_staff


class IsClinicStaff(BasePermission):
    """Only the clinic's staff accounts may use the API; any other signed-in user gets 403."""

    message = "This account is not a clinic staff account."

    def has_permission(self, request, view):
        return is_clinic_staff(request.user)


class MaySeeHistory(IsClinicStaff):
    """The event history and the read audit: managers only (and superusers)."""

    message = "Only a manager may see this."

    def has_permission(self, request, view):
        return super().has_permission(request, view) and may(staff_of(request.user), Capability.SEE_HISTORY)
