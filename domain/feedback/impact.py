"""The impact score: ARR, importance and counts combined with weights product staff set.

    impact = arr_weight * ARR / 10,000
           + importance_weight * (points of every vote's importance)
           + voter_weight * voters
           + account_weight * requesting accounts

Linear on purpose: a product manager can explain any score by hand, and a change of weights
is one UPDATE over every idea. Stored in hundredths (an integer: keyset cursors compare exactly).
"""

from dataclasses import dataclass, field

from sqlalchemy import BigInteger, ColumnElement, cast, literal
from sqlalchemy.ext.asyncio import AsyncSession

from domain.feedback.models import FeedbackSettings, Idea, Importance

SETTINGS_ID = 1
ARR_UNIT_CENTS = 10_000 * 100


def _default_points() -> dict[Importance, float]:
    return {Importance.NICE_TO_HAVE: 1.0, Importance.IMPORTANT: 2.0, Importance.MUST_HAVE: 4.0}


@dataclass(frozen=True)
class ImpactWeights:
    arr_weight: float = 1.0
    importance_weight: float = 1.0
    voter_weight: float = 0.5
    account_weight: float = 2.0
    points: dict[Importance, float] = field(default_factory=_default_points)

    def importance_points(self, nice: int, important: int, must: int) -> float:
        p = self.points
        return (
            nice * p[Importance.NICE_TO_HAVE]
            + important * p[Importance.IMPORTANT]
            + must * p[Importance.MUST_HAVE]
        )

    def score(self, idea: Idea) -> int:
        """The idea's impact in hundredths, from its demand counters."""
        value = (
            self.arr_weight * idea.arr_cents / ARR_UNIT_CENTS
            + self.importance_weight
            * self.importance_points(
                idea.nice_to_have_count, idea.important_count, idea.must_have_count
            )
            + self.voter_weight * idea.voter_count
            + self.account_weight * idea.account_count
        )
        return int(value * 100 + 0.5)

    def score_sql(self) -> ColumnElement[int]:
        """The same formula in SQL, for recomputing every idea at once."""
        p = self.points
        value = (
            Idea.arr_cents * literal(self.arr_weight / ARR_UNIT_CENTS)
            + Idea.nice_to_have_count * literal(self.importance_weight * p[Importance.NICE_TO_HAVE])
            + Idea.important_count * literal(self.importance_weight * p[Importance.IMPORTANT])
            + Idea.must_have_count * literal(self.importance_weight * p[Importance.MUST_HAVE])
            + Idea.voter_count * literal(self.voter_weight)
            + Idea.account_count * literal(self.account_weight)
        )
        return cast(value * 100 + 0.5, BigInteger)


async def load_weights(session: AsyncSession) -> ImpactWeights:
    row = await session.get(FeedbackSettings, SETTINGS_ID)
    if row is None:
        return ImpactWeights()
    points = _default_points()
    points.update({Importance(k): float(v) for k, v in row.points.items()})
    return ImpactWeights(
        arr_weight=row.arr_weight,
        importance_weight=row.importance_weight,
        voter_weight=row.voter_weight,
        account_weight=row.account_weight,
        points=points,
    )
