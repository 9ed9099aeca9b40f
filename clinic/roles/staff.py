"""A user's role, read from the database once per request."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.db.models import IntegerField, QuerySet
from django.db.models.expressions import RawSQL

from .rules import Capability, Role, Staff

NO_ROLE = Staff()

# Each role as one bit of the number ``_roles_held`` reads: a user's roles in one column.
ROLE_BITS = {role: 1 << index for index, role in enumerate(Role)}


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


def with_staff(users_rows: QuerySet[Any], user: str = "user") -> QuerySet[Any]:
    """The rows (API tokens, say) with what ``staff_of`` needs of their ``user``,
    in the same query: the user's roles as one number (``_roles_held``), the
    clinician's doctor by a join. A token's request then costs one query for
    who and what, not two."""
    column = users_rows.model._meta.get_field(user).column
    return users_rows.select_related(user, f"{user}__clinician").annotate(
        clinic_roles=_roles_held(users_rows.model._meta.db_table, column))


def remember(row: Any, user: str = "user") -> None:
    """Cache on the row's user the role that ``with_staff`` read with it."""
    account = getattr(row, user)
    try:
        doctor_id = account.clinician.doctor_id
    except ObjectDoesNotExist:
        doctor_id = None
    account._clinic_staff = _staff(account, row.clinic_roles, doctor_id)


def _read(user: Any) -> Staff:
    """One query: the user's roles and, if they are a clinician, their doctor."""
    if user.is_superuser:
        return _staff(user, 0, None)
    from django.contrib.auth import get_user_model

    model = get_user_model()
    found = model.objects.filter(pk=user.pk).annotate(
        clinic_roles=_roles_held(model._meta.db_table, model._meta.pk.column)).values_list(
        "clinic_roles", "clinician__doctor_id").first()
    held, doctor_id = found if found is not None else (0, None)
    return _staff(user, held, doctor_id)


def _staff(user: Any, held: int, doctor_id: Any) -> Staff:
    """The one way a Staff is built from what was read: a superuser may do
    everything; anyone else holds the roles whose bits are set in ``held``, and
    their doctor counts only while they are a clinician."""
    if user.is_superuser:
        return Staff(superuser=True)
    roles = frozenset(role for role, bit in ROLE_BITS.items() if held & bit)
    return Staff(roles=roles, doctor_id=doctor_id if Role.CLINICIAN in roles else None)


def _roles_held(table: str, user_column: str) -> RawSQL:
    """The roles of the user whose id is ``table.user_column``, as the sum of
    their bits (``ROLE_BITS``): one subquery, where an EXISTS per role took three.
    A user holds a group at most once and group names are unique, so the sum
    is the bits' union. Plain SQL: the ORM's subqueries took longer to compile,
    on every request, than the query they are part of took to run."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    quote = connection.ops.quote_name
    memberships = get_user_model().groups.through._meta
    cases = " ".join(f"WHEN %s THEN {bit}" for bit in ROLE_BITS.values())
    sql = (f"SELECT COALESCE(SUM(CASE role.name {cases} ELSE 0 END), 0) FROM {quote(memberships.db_table)} held "
           f"JOIN {quote(Group._meta.db_table)} role ON role.id = held.group_id "
           f"WHERE held.user_id = {quote(table)}.{quote(user_column)}")
    return RawSQL(sql, [role.value for role in ROLE_BITS], output_field=IntegerField())


NO_ROLE_MESSAGE = ("This staff account has no clinic role yet: an administrator must give it one with "
                   "`manage.py staff_user USERNAME --role reception|clinician|manager`.")


def refusal(capability: Capability, *, for_another_doctor: bool = False) -> str:
    """Why a role is refused, as the API's 403 and the 403 page say it."""
    if for_another_doctor:
        return f"A clinician may {capability} only for their own doctor."
    return f"This account's role may not {capability}."
