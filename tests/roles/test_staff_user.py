"""``manage.py staff_user``: operators make staff logins of a role, the password from standard input."""
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from clinic.roles.staff import staff_of

STRONG = "correct-horse-battery-staple"


def staff_user(*args, password=STRONG):
    out = StringIO()
    call_command("staff_user", *args, stdin=StringIO(password + "\n"), stdout=out)
    return out.getvalue()


def roles_of(username):
    return staff_of(get_user_model().objects.get(username=username))


def test_it_creates_a_staff_user_of_the_role_who_is_no_superuser(committed_db):
    assert "Created staff user desk: reception" in staff_user("desk", "--role", "reception")
    user = get_user_model().objects.get(username="desk")
    assert user.is_staff and not user.is_superuser and user.check_password(STRONG)
    assert {role.value for role in roles_of("desk").roles} == {"reception"}


def test_it_changes_role_and_password_of_an_existing_user(committed_db, doctor):
    staff_user("desk", "--role", "reception")
    assert "Changed staff user desk: clinician" in staff_user("desk", "--role", "clinician", "--doctor", str(doctor),
                                                              password="another-long-passphrase")
    staff = roles_of("desk")
    assert {role.value for role in staff.roles} == {"clinician"} and staff.doctor_id == doctor
    assert get_user_model().objects.get(username="desk").check_password("another-long-passphrase")
    staff_user("desk", "--role", "manager")
    staff = roles_of("desk")
    assert {role.value for role in staff.roles} == {"manager"} and staff.doctor_id is None


@pytest.mark.parametrize("password, reason", [("", "The password is empty"),
                                              ("password", "too weak"), ("12345678901", "too weak"),
                                              ("desk1", "too weak")])
def test_an_empty_or_weak_password_is_refused(committed_db, password, reason):
    with pytest.raises(CommandError, match=reason):
        staff_user("desk", "--role", "reception", password=password)
    assert not get_user_model().objects.filter(username="desk").exists()


def test_a_clinician_needs_an_existing_doctor(committed_db, unknown_id):
    with pytest.raises(CommandError, match="name the doctor with --doctor"):
        staff_user("dr", "--role", "clinician")
    with pytest.raises(CommandError, match=f"No doctor has the id {unknown_id}"):
        staff_user("dr", "--role", "clinician", "--doctor", str(unknown_id))
    with pytest.raises(CommandError, match="not 'nine'"):
        staff_user("dr", "--role", "clinician", "--doctor", "nine")
    assert not get_user_model().objects.filter(username="dr").exists()


def test_only_a_clinician_takes_a_doctor(committed_db, doctor):
    with pytest.raises(CommandError, match="a manager takes no --doctor"):
        staff_user("boss", "--role", "manager", "--doctor", str(doctor))


def test_a_superuser_is_left_alone(committed_db):
    get_user_model().objects.create_superuser("root", password="pw-not-for-real-9")
    with pytest.raises(CommandError, match="root is a superuser"):
        staff_user("root", "--role", "reception")
    assert get_user_model().objects.get(username="root").is_superuser


def test_an_unknown_role_is_refused(committed_db):
    with pytest.raises(CommandError, match="invalid choice"):
        staff_user("desk", "--role", "janitor")


def test_a_new_user_signs_in_to_the_api(committed_db, client):
    staff_user("desk", "--role", "reception")
    answer = client.post("/api/auth/token/", {"username": "desk", "password": STRONG}, content_type="application/json")
    assert answer.status_code == 200
