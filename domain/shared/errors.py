"""Domain errors carry a code; the transport maps them to `userErrors` or coded GraphQL errors."""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class DomainError(Exception):
    """Base of every expected failure. `code` is a member of the raising context's code enum."""

    code: StrEnum | str = "INVALID"

    def __init__(
        self, message: str, *, code: StrEnum | str | None = None, field: Sequence[str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = list(field) if field else None


class NotAuthenticated(DomainError):
    """No valid credentials were presented where they are required."""

    code = "UNAUTHENTICATED"


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    code = "FORBIDDEN"


class BadRequest(DomainError):
    """Arguments of a query are out of range (not a mutation input: those become userErrors)."""

    code = "BAD_USER_INPUT"


@dataclass(frozen=True)
class Problem:
    field: list[str] | None
    message: str
    code: StrEnum | str


class ValidationFailed(DomainError):
    """One or more input problems, reported together so a form can show them all at once."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems), code=problems[0].code)
        self.problems = list(problems)
