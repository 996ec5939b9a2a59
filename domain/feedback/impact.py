"""The impact score: ARR, importance and counts combined with weights product staff set.

    impact = arr_weight * ARR / 10,000
           + importance_weight * (points of every vote's importance)
           + voter_weight * voters
           + account_weight * requesting accounts

Linear on purpose: a product manager can explain any score by hand, and a change of weights
is one UPDATE over every idea. Stored in hundredths (an integer: keyset cursors compare exactly),
rounded half up from exact decimals everywhere (Python, SQLite, PostgreSQL).
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Numeric,
    Table,
    bindparam,
    cast,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

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
        return self.score_of(
            idea.arr_cents,
            idea.nice_to_have_count,
            idea.important_count,
            idea.must_have_count,
            idea.voter_count,
            idea.account_count,
        )

    def score_of(
        self, arr_cents: int, nice: int, important: int, must: int, voters: int, accounts: int
    ) -> int:
        """Exact decimal arithmetic rounded half up, so Python, SQLite (which rescores here) and
        PostgreSQL (numeric SQL, `score_sql`) agree to the hundredth: binary floats would put
        some x.xx5 scores on either side of the rounding depending on the order of operations."""
        with localcontext() as context:
            context.prec = 60  # ARR in cents times a weight: far more digits than the default
            c = self._hundredths_per_unit()
            value = (
                arr_cents * c["arr"]
                + nice * c["nice"]
                + important * c["important"]
                + must * c["must"]
                + voters * c["voter"]
                + accounts * c["account"]
            )
            return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    def _hundredths_per_unit(self) -> dict[str, Decimal]:
        """Score hundredths per cent of ARR, per vote of each level, per voter and account."""
        p = {level: _exact(points) for level, points in self.points.items()}
        importance = _exact(self.importance_weight) * 100
        return {
            "arr": _exact(self.arr_weight) * 100 / ARR_UNIT_CENTS,
            "nice": importance * p[Importance.NICE_TO_HAVE],
            "important": importance * p[Importance.IMPORTANT],
            "must": importance * p[Importance.MUST_HAVE],
            "voter": _exact(self.voter_weight) * 100,
            "account": _exact(self.account_weight) * 100,
        }

    def score_sql(self) -> ColumnElement[int]:
        """The same formula in PostgreSQL's exact numeric arithmetic (round() of a numeric
        rounds half away from zero, as ROUND_HALF_UP does), for rescoring every idea at once."""
        with localcontext() as context:
            context.prec = 60
            c = self._hundredths_per_unit()

        def times(column: Any, factor: Decimal) -> ColumnElement[Decimal]:
            return cast(column, Numeric) * literal(factor, Numeric)

        value = (
            times(Idea.arr_cents, c["arr"])
            + times(Idea.nice_to_have_count, c["nice"])
            + times(Idea.important_count, c["important"])
            + times(Idea.must_have_count, c["must"])
            + times(Idea.voter_count, c["voter"])
            + times(Idea.account_count, c["account"])
        )
        return cast(func.round(value), BigInteger)


def _exact(weight: float) -> Decimal:
    """A weight as the decimal it was typed as (0.1 is 0.1, not 0.1000000000000000055...)."""
    return Decimal(repr(float(weight)))


_RESCORE_BATCH = 5_000


async def rescore_all(connection: AsyncConnection, weights: ImpactWeights) -> None:
    """Every idea's score from its counters: one UPDATE on PostgreSQL; on SQLite, which has no
    exact decimals, computed here and written back for the ideas whose score changes."""
    if connection.dialect.name == "postgresql":
        await connection.execute(update(Idea).values(impact_score=weights.score_sql()))
        return
    rows = await connection.execute(
        select(
            Idea.id,
            Idea.impact_score,
            Idea.arr_cents,
            Idea.nice_to_have_count,
            Idea.important_count,
            Idea.must_have_count,
            Idea.voter_count,
            Idea.account_count,
        )
    )
    changed = []
    for idea_id, old, *counters in rows:
        new = weights.score_of(*counters)
        if new != old:
            changed.append({"b_id": idea_id, "b_score": new})
    table: Table = Idea.__table__  # type: ignore[assignment]
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(impact_score=bindparam("b_score"))
    )
    for start in range(0, len(changed), _RESCORE_BATCH):
        await connection.execute(statement, changed[start : start + _RESCORE_BATCH])


async def load_weights(session: AsyncSession) -> ImpactWeights:
    return weights_from(await session.get(FeedbackSettings, SETTINGS_ID))


def weights_from(row: FeedbackSettings | None) -> ImpactWeights:
    """The configured weights (the defaults while none are set)."""
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
