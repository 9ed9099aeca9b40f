"""Giving a staff account its role: the one way ``manage.py staff_user``,
``demo_login`` and the tests make or change a clinic login.

A role is membership of exactly one role group; a clinician is also linked to
the doctor they are. The account is staff and never a superuser: superusers are
administrators, made with ``createsuperuser``, and this never touches one.
"""
from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from readmodels import selectors

from .models import Clinician
from .rules import Role


class Refused(Exception):
    """The account could not be made as asked; the message says why, for a person."""


def enrol(username: str, role: Role, password: str, *, doctor_id: uuid.UUID | None = None) -> tuple[Any, bool]:
    """Create ``username`` with this role and password, or give an existing account
    them. Returns ``(user, created)``. A new password revokes the user's API tokens
    (clinic.signin.tokens)."""
    _check_doctor(role, doctor_id)
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is not None and user.is_superuser:
        raise Refused(f"{username} is a superuser (an administrator); staff roles are not given to superusers.")
    _check_password(password, user or User(username=username))
    with transaction.atomic():
        user, created = User.objects.get_or_create(username=username)
        user.is_staff, user.is_active, user.is_superuser = True, True, False
        user.set_password(password)
        user.save()
        user.groups.remove(*Group.objects.filter(name__in=list(Role)))
        user.groups.add(Group.objects.get(name=role.value))
        if role is Role.CLINICIAN:
            Clinician.objects.update_or_create(user=user, defaults={"doctor_id": doctor_id})
        else:
            Clinician.objects.filter(user=user).delete()
    return user, created


def _check_doctor(role: Role, doctor_id: uuid.UUID | None) -> None:
    if role is Role.CLINICIAN and doctor_id is None:
        raise Refused("A clinician is one of the clinic's doctors: name the doctor with --doctor DOCTOR_ID.")
    if role is not Role.CLINICIAN and doctor_id is not None:
        raise Refused(f"Only a clinician is linked to a doctor; a {role.value} takes no --doctor.")
    if doctor_id is not None and not selectors.doctors().filter(pk=doctor_id).exists():
        raise Refused(f"No doctor has the id {doctor_id} (GET /api/doctors/ lists them).")


def _check_password(password: str, user: Any) -> None:
    if not password:
        raise Refused("The password is empty: give it on the first line of standard input.")
    try:
        password_validation.validate_password(password, user)
    except ValidationError as weak:
        raise Refused("The password is too weak: " + " ".join(weak.messages)) from weak
