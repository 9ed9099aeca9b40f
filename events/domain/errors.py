"""Why a command was refused, in the domain's own terms.

An error names the input it is about by the command's field name (``doctor_id``,
``date_of_birth``); the API and the staff pages map those to their own names and
the error classes to their own statuses, at their edge.
"""
from __future__ import annotations


class DomainError(Exception):
    field: str | None = None  # the command field the error is about, when there is one

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field


class InvalidCommand(DomainError):
    """The input cannot be accepted as it is."""


class NotFound(DomainError):
    """The doctor, patient or appointment the command is about does not exist."""


class Conflict(DomainError):
    """The command contradicts the current state."""


class AlreadyExists(Conflict):
    pass


class AlreadyOnShift(Conflict):
    pass


class NotOnShift(Conflict):
    pass


class DoubleBooking(Conflict):
    pass


class AlreadyCancelled(Conflict):
    pass
