"""Why a command was refused. Each error knows the HTTP status the API gives it,
so the outer layers never need a table of their own."""


class DomainError(Exception):
    status = 400
    field = None  # the input the error is about, when there is one

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field


class InvalidCommand(DomainError):
    """The input cannot be accepted as it is (400)."""


class NotFound(DomainError):
    """The doctor, patient or appointment does not exist (404)."""

    status = 404


class Conflict(DomainError):
    """The command contradicts the current state (409)."""

    status = 409


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
