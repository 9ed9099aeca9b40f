"""A user's role, read from the database once per request."""
from __future__ import annotations

from typing import Any

from .rules import Capability, Role, Staff

NO_ROLE = Staff()


def staff_of(user: Any) -> Staff:
    """The rules' view of a user: their clinic roles (groups) and their doctor.

    Cached on the user object, which Django builds once per request, so every
    check in one request costs at most one query."""
    if not (user and user.is_authenticated and user.is_active and user.is_staff):
        return NO_ROLE
    cached = getattr(user, "_clinic_staff", None)
    if cached is None:
        cached = _read(user)
        user._clinic_staff = cached
    return cached


def _read(user: Any) -> Staff:
    """One query: the user's groups and, if they are a clinician, their doctor."""
    if user.is_superuser:
        return Staff(superuser=True)
    from django.contrib.auth import get_user_model

    rows = list(get_user_model().objects.filter(pk=user.pk).values_list("groups__name", "clinician__doctor_id"))
    names = {name for name, _ in rows}
    roles = frozenset(role for role in Role if role.value in names)
    doctor_id = next((doctor for _, doctor in rows), None) if Role.CLINICIAN in roles else None
    return Staff(roles=roles, doctor_id=doctor_id)


NO_ROLE_MESSAGE = ("This staff account has no clinic role yet: an administrator must give it one with "
                   "`manage.py staff_user USERNAME --role reception|clinician|manager`.")


def refusal(capability: Capability, *, for_another_doctor: bool = False) -> str:
    """Why a role is refused, as the API's 403 and the 403 page say it."""
    if for_another_doctor:
        return f"A clinician may {capability} only for their own doctor."
    return f"This account's role may not {capability}."
