from rest_framework.permissions import BasePermission

from clinic.staff import is_clinic_staff


class IsClinicStaff(BasePermission):
    """Only the clinic's staff accounts may use the API; any other signed-in user gets 403."""

    message = "This account is not a clinic staff account."

    def has_permission(self, request, view):
        return is_clinic_staff(request.user)
