"""Each refusal carries the HTTP status the API answers with and, for input
errors, the field to blame (API.md: 400 bad input, 404 unknown, 409 conflict)."""
import pytest

from events.domain import errors


@pytest.mark.parametrize("cls, status", [
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
    error = cls("nope")
    assert error.status == status
    assert isinstance(error, errors.DomainError)


def test_message_and_field():
    error = errors.InvalidCommand("Bad date.", field="dateOfBirth")
    assert (error.message, str(error), error.field) == ("Bad date.", "Bad date.", "dateOfBirth")


def test_field_is_per_instance_not_shared():
    errors.InvalidCommand("a", field="name")
    assert errors.InvalidCommand("b").field is None
    assert errors.DomainError.field is None
