from enum import StrEnum

from domain.matching.constraints import Constraint


class MatchingErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    INVALID_VALUE = "INVALID_VALUE"
    TOO_MANY_ITEMS = "TOO_MANY_ITEMS"
    SLUG_TAKEN = "SLUG_TAKEN"
    NO_PROFILE = "NO_PROFILE"
    CANNOT_MATCH_SELF = "CANNOT_MATCH_SELF"
    SAME_ACCOUNT = "SAME_ACCOUNT"
    COMPETITOR = "COMPETITOR"
    MENTEE_UNAVAILABLE = "MENTEE_UNAVAILABLE"
    MENTOR_UNAVAILABLE = "MENTOR_UNAVAILABLE"
    MENTOR_PAUSED = "MENTOR_PAUSED"
    MENTOR_AT_CAPACITY = "MENTOR_AT_CAPACITY"
    PREVIOUSLY_DECLINED = "PREVIOUSLY_DECLINED"
    ALREADY_PAIRED = "ALREADY_PAIRED"
    ALREADY_ACCEPTED = "ALREADY_ACCEPTED"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    ROUND_NOT_DRAFT = "ROUND_NOT_DRAFT"
    FEEDBACK_ALREADY_GIVEN = "FEEDBACK_ALREADY_GIVEN"


CONSTRAINT_CODES = {
    Constraint.SELF: MatchingErrorCode.CANNOT_MATCH_SELF,
    Constraint.SAME_ACCOUNT: MatchingErrorCode.SAME_ACCOUNT,
    Constraint.COMPETITOR: MatchingErrorCode.COMPETITOR,
    Constraint.COMPETITOR_BY_RULE: MatchingErrorCode.COMPETITOR,
    Constraint.MENTEE_UNAVAILABLE: MatchingErrorCode.MENTEE_UNAVAILABLE,
    Constraint.MENTOR_UNAVAILABLE: MatchingErrorCode.MENTOR_UNAVAILABLE,
    Constraint.MENTOR_PAUSED: MatchingErrorCode.MENTOR_PAUSED,
    Constraint.MENTOR_AT_CAPACITY: MatchingErrorCode.MENTOR_AT_CAPACITY,
    Constraint.PREVIOUSLY_DECLINED: MatchingErrorCode.PREVIOUSLY_DECLINED,
    Constraint.ALREADY_PAIRED: MatchingErrorCode.ALREADY_PAIRED,
}

CONSTRAINT_MESSAGES = {
    Constraint.SELF: "you cannot be your own buddy",
    Constraint.SAME_ACCOUNT: "buddies come from different companies",
    Constraint.COMPETITOR: "these companies compete; they are never paired",
    Constraint.COMPETITOR_BY_RULE: "same industry in the same region counts as competing here",
    Constraint.MENTEE_UNAVAILABLE: "the mentee is not available for matching",
    Constraint.MENTOR_UNAVAILABLE: "the mentor is not available for matching",
    Constraint.MENTOR_PAUSED: "the mentor has paused buddy matching",
    Constraint.MENTOR_AT_CAPACITY: "the mentor has no free seat",
    Constraint.PREVIOUSLY_DECLINED: "this pair was declined or ended badly before",
    Constraint.ALREADY_PAIRED: "these two already have an open pairing",
}
