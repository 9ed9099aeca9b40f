"""Each refusal is a kind of DomainError and, for input errors, names the
command field to blame. The HTTP status of each kind is the edge's business
(``clinic.commands.status_of``, tested in tests/test_refusal_status.py)."""
import pytest

from events.domain import errors

KINDS = [errors.InvalidCommand, errors.NotFound, errors.Conflict, errors.AlreadyExists, errors.AlreadyOnShift,
         errors.NotOnShift, errors.DoubleBooking, errors.AlreadyCancelled]


@pytest.mark.parametrize("cls", KINDS)
def test_every_refusal_is_a_domain_error(cls):
    error = cls("nope")
    assert isinstance(error, errors.DomainError)
    assert isinstance(error, Exception)


@pytest.mark.parametrize("cls", [errors.AlreadyExists, errors.AlreadyOnShift, errors.NotOnShift,
                                 errors.DoubleBooking, errors.AlreadyCancelled])
def test_state_refusals_are_conflicts(cls):
    assert issubclass(cls, errors.Conflict)
    assert not issubclass(cls, (errors.InvalidCommand, errors.NotFound))


def test_the_three_families_are_distinct():
    families = [errors.InvalidCommand, errors.NotFound, errors.Conflict]
    for cls in families:
        assert [issubclass(cls, other) for other in families].count(True) == 1, cls


@pytest.mark.parametrize("cls", KINDS + [errors.DomainError])
def test_domain_errors_know_nothing_of_http(cls):
    assert not hasattr(cls("nope"), "status")


def test_message_and_field():
    error = errors.InvalidCommand("Bad date.", field="date_of_birth")
    assert (error.message, str(error), error.field) == ("Bad date.", "Bad date.", "date_of_birth")


def test_field_is_per_instance_not_shared():
    errors.InvalidCommand("a", field="name")
    assert errors.InvalidCommand("b").field is None
    assert errors.DomainError.field is None
