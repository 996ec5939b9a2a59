"""The question set of each survey kind, and how a response's headline score is made.

Question sets are fixed in code (not per survey) so results compare across surveys and over
time: an NPS of March means the same as an NPS of June.
"""

from dataclasses import dataclass

from domain.feedback.models import SurveyKind

# FEEL_VALUED headline scores are stored x100 (the mean of 1-5 answers, as an integer).
FEEL_VALUED_SCALE = 100
PROMOTER_MIN = 9  # NPS 9-10
DETRACTOR_MAX = 6  # NPS 0-6
SATISFIED_MIN = 4  # CSAT 4-5


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    min_score: int
    max_score: int


QUESTIONS: dict[SurveyKind, tuple[Question, ...]] = {
    SurveyKind.NPS: (
        Question(
            "recommend",
            "How likely are you to recommend us to a friend or colleague?",
            0,
            10,
        ),
    ),
    SurveyKind.CSAT: (Question("satisfied", "How satisfied are you with us overall?", 1, 5),),
    SurveyKind.FEEL_VALUED: (
        Question("appreciated", "We feel our business is appreciated.", 1, 5),
        Question("listened", "Our feedback is listened to and acted on.", 1, 5),
        Question("known", "Our account team knows our goals and how we use the product.", 1, 5),
        Question("recognized", "We are recognised for what we achieve with the product.", 1, 5),
    ),
}


def headline_score(kind: SurveyKind, answers: dict[str, int]) -> int:
    """NPS and CSAT: the one answer. FEEL_VALUED: the mean of the answers, x100, rounded."""
    if kind is SurveyKind.FEEL_VALUED:
        values = list(answers.values())
        return (sum(values) * FEEL_VALUED_SCALE * 2 + len(values)) // (2 * len(values))
    (value,) = answers.values()
    return value


def display_score(kind: SurveyKind, score: int) -> float:
    """The headline score on its question's scale (FEEL_VALUED back from hundredths)."""
    return score / FEEL_VALUED_SCALE if kind is SurveyKind.FEEL_VALUED else float(score)
