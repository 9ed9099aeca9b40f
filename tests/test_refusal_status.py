"""The status a refused command is answered with (docs/api.md: 400 bad input,
404 unknown, 409 conflict), decided at the edge from the kind of refusal."""
import pytest

from clinic.commands import status_of
from events.domain import errors


@pytest.mark.parametrize("cls, status", [
    (errors.DomainError, 400),
    (errors.InvalidCommand, 400),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.AlreadyExists, 409),
    (errors.AlreadyOnShift, 409),
    (errors.NotOnShift, 409),
    (errors.DoubleBooking, 409),
    (errors.AlreadyCancelled, 409),
])
def test_status_per_error(cls, status):
    assert status_of(cls("nope")) == status


def test_status_does_not_depend_on_the_field():
    assert status_of(errors.InvalidCommand("Bad date.", field="date_of_birth")) == 400
    assert status_of(errors.AlreadyExists("Taken.", field="id")) == 409
