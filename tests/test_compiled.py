"""clinic.db.compiled: a query compiled once answers as the queryset itself would,
for every value, with its related rows and annotations and no further query."""
import pytest
from knox.models import get_token_model

from clinic.db.compiled import Compiled
from clinic.roles import staff
from clinic.signin import tokens
from readmodels import selectors
from readmodels.models import Appointment


def test_each_value_gets_the_rows_the_queryset_would(appointment, unknown_id, django_assert_num_queries):
    by_id = Compiled(lambda pk: selectors.appointments().filter(pk=pk), Appointment._meta.pk)
    expected = selectors.appointments().get(pk=appointment)
    assert by_id(unknown_id) == []
    with django_assert_num_queries(1):  # the doctor and the patient come with it
        (row,) = by_id(appointment)
        assert (row.pk, row.day, row.time, row.status, row.doctor.name, row.patient.name) == (
            expected.pk, expected.day, expected.time, expected.status, expected.doctor.name, expected.patient.name)


def test_the_token_lookup_brings_the_user_and_their_role(manager, django_assert_num_queries):
    token, _ = tokens.issue(manager)
    key = get_token_model().objects.get(user=manager).token_key
    with django_assert_num_queries(1):
        (found,) = tokens._candidates(key)
        staff.remember(found)
        assert found.user == manager and staff.staff_of(found.user).has_role
    assert tokens._candidates(key[:-1] + ("0" if key[-1] != "0" else "1")) == []


def test_a_value_that_is_not_a_parameter_is_refused(committed_db):
    everything = Compiled(lambda pk: selectors.appointments(), Appointment._meta.pk)
    with pytest.raises(ValueError):
        everything(None)


@pytest.mark.postgresql
def test_on_postgresql_it_is_prepared_once_and_logged_with_its_values(appointment, unknown_id):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    by_id = Compiled(lambda pk: selectors.appointments().filter(pk=pk), Appointment._meta.pk)
    with CaptureQueriesContext(connection) as captured:
        assert by_id(unknown_id) == []
        (row,) = by_id(appointment)
    assert row.pk == appointment
    assert [str(unknown_id).replace("-", "") in q["sql"].replace("-", "") for q in captured.captured_queries] == [
        True, False]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                       ['%FROM "readmodels_appointment" INNER JOIN%'])
        assert cursor.fetchone() == (1,)
