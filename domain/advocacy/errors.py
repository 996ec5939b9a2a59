from enum import StrEnum

from domain.shared.errors import DomainError


class AdvocacyErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    INVALID_VALUE = "INVALID_VALUE"
    TOO_MANY_ITEMS = "TOO_MANY_ITEMS"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    SELF_APPROVAL = "SELF_APPROVAL"
    NOT_ACCOUNT_OWNER = "NOT_ACCOUNT_OWNER"
    COMPETITOR = "COMPETITOR"
    OVER_BUDGET = "OVER_BUDGET"
    NOT_WILLING = "NOT_WILLING"
    CONSENT_REQUIRED = "CONSENT_REQUIRED"
    CONSENT_INACTIVE = "CONSENT_INACTIVE"
    TEXT_MISMATCH = "TEXT_MISMATCH"
    INSUFFICIENT_POINTS = "INSUFFICIENT_POINTS"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    UNTRUSTED = "UNTRUSTED"
    UNAVAILABLE = "UNAVAILABLE"  # outside the advocate's availability windows


Code = AdvocacyErrorCode


def not_found(what: str, field: str | None = None) -> DomainError:
    return DomainError(
        f"{what} not found", code=Code.NOT_FOUND, field=["input", field] if field else None
    )


def invalid(message: str, field: str | None = None, code: Code = Code.INVALID_VALUE) -> DomainError:
    return DomainError(message, code=code, field=["input", field] if field else None)
