from enum import StrEnum


class InsightsErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    INVALID_VALUE = "INVALID_VALUE"
    TOO_MANY_ITEMS = "TOO_MANY_ITEMS"
    BAD_ROWS = "BAD_ROWS"  # an import had rows it could not take: nothing was imported
    UNKNOWN_ACCOUNT = "UNKNOWN_ACCOUNT"
    UNKNOWN_OPPORTUNITY = "UNKNOWN_OPPORTUNITY"
    UNKNOWN_MEMBER = "UNKNOWN_MEMBER"
    DUPLICATE_EXTERNAL_ID = "DUPLICATE_EXTERNAL_ID"
