"""Search's expected failures, with codes the API puts in `extensions.code`."""

from enum import StrEnum

from domain.shared.errors import DomainError


class SearchErrorCode(StrEnum):
    UNKNOWN_TYPE = "UNKNOWN_SEARCH_TYPE"
    UNKNOWN_FILTER = "UNKNOWN_SEARCH_FILTER"
    INVALID_FILTER = "INVALID_SEARCH_FILTER"
    QUERY_TOO_LONG = "SEARCH_QUERY_TOO_LONG"
    OUT_OF_RANGE = "BAD_USER_INPUT"
    UNAVAILABLE = "SEARCH_UNAVAILABLE"


class SearchError(DomainError):
    """A search request the caller can fix."""

    code = SearchErrorCode.OUT_OF_RANGE


class SearchUnavailable(SearchError):
    """The index cannot be reached or refused the work; retrying later may succeed."""

    code = SearchErrorCode.UNAVAILABLE

    def __init__(self, message: str) -> None:
        super().__init__(message, code=SearchErrorCode.UNAVAILABLE)
