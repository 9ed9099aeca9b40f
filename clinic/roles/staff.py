"""A user's role, read from the database once per request."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

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


def with_staff(users_rows: QuerySet[Any], user: str = "user") -> QuerySet[Any]:
    """The rows (API tokens, say) with what ``staff_of`` needs of their ``user``,
    in the same query: each role as an EXISTS, the clinician's doctor by a join.
    A token's request then costs one query for who and what, not two.

    The EXISTS are plain SQL (``RawSQL``): the ORM's ``Exists(…)`` took longer to
    compile, on every request, than the query it saved took to run."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    quote = connection.ops.quote_name
    memberships = get_user_model().groups.through._meta
    outer = f"{quote(users_rows.model._meta.db_table)}.{quote(users_rows.model._meta.get_field(user).column)}"
    holds = (f"EXISTS (SELECT 1 FROM {quote(memberships.db_table)} held "
             f"JOIN {quote(Group._meta.db_table)} role ON role.id = held.group_id "
             f"WHERE held.user_id = {outer} AND role.name = %s)")
    return users_rows.select_related(user, f"{user}__clinician").annotate(**{
        f"holds_{role.value}": RawSQL(holds, [role.value], output_field=BooleanField()) for role in Role})


def remember(row: Any, user: str = "user") -> None:
    """Cache on the row's user the role that ``with_staff`` read with it."""
    account = getattr(row, user)
    if account.is_superuser:
        account._clinic_staff = Staff(superuser=True)
        return
    roles = frozenset(role for role in Role if getattr(row, f"holds_{role.value}"))
    try:
        doctor_id = account.clinician.doctor_id if Role.CLINICIAN in roles else None
    except ObjectDoesNotExist:
        doctor_id = None
    account._clinic_staff = Staff(roles=roles, doctor_id=doctor_id)


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
