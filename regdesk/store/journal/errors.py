"""What the journal refuses to do, said so that a screen can explain it."""

from __future__ import annotations

from regdesk.core.application import TransitionError
from regdesk.core.errors import UserError


class NotFoundError(UserError):
    """No application with this id."""

    key = "store.application_not_found"


class NotEditableError(UserError):
    """The form of an application that left the draft stage can no longer change."""

    key = "store.application_not_editable"


class IllegalTransitionError(UserError, TransitionError):
    """A move the process does not allow from the application's current state.

    It is a ``TransitionError`` for code and a ``UserError`` for the screen: the usual cause is
    another terminal that moved the same application a moment earlier.
    """

    key = "store.illegal_transition"

    def __init__(self, app_id: int, error: TransitionError) -> None:
        # Neither base's __init__ fits the other's arguments: set what both expect here.
        self.params: dict[str, object] = {
            "id": app_id,
            "current": error.current.value if error.current else "-",
            "target": error.target.value,
        }
        Exception.__init__(self, self.key)
        self.current = error.current
        self.target = error.target
        self.role = error.role
        self.why = error.why


class AlreadyRegisteredError(UserError):
    """This person already has a registered application here this year (another terminal's,
    a moment ago, or an earlier one): a second number is not given."""

    key = "store.already_registered"


class RegisteredByColleagueError(UserError):
    """The application itself was registered a moment ago at another terminal (or by a second
    press here): it has its number, nothing is left to sign."""

    key = "store.registered_by_colleague"
