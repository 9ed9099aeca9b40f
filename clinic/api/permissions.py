from rest_framework.permissions import BasePermission


class IsClinicStaff(BasePermission):
    """Only the clinic's staff accounts may use the API; any other signed-in user gets 403."""

    message = "This account is not a clinic staff account."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_staff)
