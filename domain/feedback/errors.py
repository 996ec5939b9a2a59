from enum import StrEnum

from domain.shared.errors import DomainError


class FeedbackErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    INVALID_VALUE = "INVALID_VALUE"
    TOO_MANY_ITEMS = "TOO_MANY_ITEMS"
    ALREADY_VOTED = "ALREADY_VOTED"
    NOT_VOTED = "NOT_VOTED"
    IDEA_MERGED = "IDEA_MERGED"
    CANNOT_MERGE_INTO_ITSELF = "CANNOT_MERGE_INTO_ITSELF"
    MERGE_CYCLE = "MERGE_CYCLE"
    MERGE_NOT_UNDOABLE = "MERGE_NOT_UNDOABLE"
    TRANSITION_NOT_ALLOWED = "TRANSITION_NOT_ALLOWED"
    REASON_REQUIRED = "REASON_REQUIRED"
    NOT_A_CUSTOMER = "NOT_A_CUSTOMER"
    ANSWER_OUT_OF_RANGE = "ANSWER_OUT_OF_RANGE"
    ALREADY_ANSWERED = "ALREADY_ANSWERED"
    NOT_INVITED = "NOT_INVITED"
    SURVEY_CLOSED = "SURVEY_CLOSED"
    NO_FREE_TEXT = "NO_FREE_TEXT"
    ALREADY_CONVERTED = "ALREADY_CONVERTED"


def not_found(what: str, field: str) -> DomainError:
    return DomainError(
        f"{what} not found", code=FeedbackErrorCode.NOT_FOUND, field=["input", field]
    )


def failure(code: FeedbackErrorCode, message: str, field: str | None = None) -> DomainError:
    return DomainError(message, code=code, field=["input", field] if field else None)
