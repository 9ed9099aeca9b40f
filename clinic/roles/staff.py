"""A user's role, read from the database once per request."""
from __future__ import annotations

from typing import Any

from .rules import Role, Staff

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
    if user.is_superuser:
        return Staff(superuser=True)
    from django.contrib.auth.models import Group

    names = set(Group.objects.filter(user=user, name__in=list(Role)).values_list("name", flat=True))
    roles = frozenset(Role(name) for name in names)
    doctor_id = None
    if Role.CLINICIAN in roles:
        from .models import Clinician

        doctor_id = Clinician.objects.filter(user=user).values_list("doctor_id", flat=True).first()
    return Staff(roles=roles, doctor_id=doctor_id)
