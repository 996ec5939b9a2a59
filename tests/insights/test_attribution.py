"""Attribution models: the rules from the issue, the edge rules, and exact sums (property-based)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.insights.attribution import AttributionModel as M
from domain.insights.attribution import Journey, Touch, credit, credit_all_models

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def shares(model: M, touch_days: list[float], amount: str = "1000.00", **journey) -> list[Decimal]:
    touches = [Touch(i + 1, day(d)) for i, d in enumerate(touch_days)]
    defaults = {"created_at": day(100), "closed_at": day(200)}
    defaults.update(journey)
    result = credit(model, touches, Journey(Decimal(amount), **defaults))
    return [result[t.id] for t in touches if t.id in result]


def test_single_position_models():
    assert shares(M.FIRST_TOUCH, [1, 2, 3]) == [Decimal("1000.00"), 0, 0]
    assert shares(M.LAST_TOUCH, [1, 2, 3]) == [0, 0, Decimal("1000.00")]
    assert shares(M.LINEAR, [1, 2, 3]) == [Decimal("333.34"), Decimal("333.33"), Decimal("333.33")]


def test_u_shaped_40_20_40_and_two_touches_split_the_middle():
    assert shares(M.U_SHAPED, [1, 2, 3, 4]) == [400, 100, 100, 400]
    assert shares(M.U_SHAPED, [1, 2]) == [500, 500]


def test_w_shaped_thirty_each_to_first_lead_and_opportunity_touches():
    # lead created day 2.5 -> touch 2 (day 2); opportunity created day 4.5 -> touch 4
    got = shares(M.W_SHAPED, [1, 2, 3, 4, 5], lead_created_at=day(2.5), created_at=day(4.5))
    assert got == [300, 300, 50, 300, 50]


def test_milestones_on_one_touch_add_up():
    # no lead date: the lead touch is the first; the opportunity touch is touch 2
    got = shares(M.W_SHAPED, [1, 2, 3], created_at=day(2))
    assert got == [600, 300, 100]
    # everything on one day: first = lead = opportunity touch; one other touch takes the 10 %
    got = shares(M.W_SHAPED, [1, 5], lead_created_at=day(1), created_at=day(1))
    assert got == [900, 100]


def test_no_middle_touches_split_the_rest_among_milestones():
    got = shares(M.W_SHAPED, [1, 2, 3], lead_created_at=day(2), created_at=day(3))
    assert got == [Decimal("333.34"), Decimal("333.33"), Decimal("333.33")]
    got = shares(M.FULL_PATH, [1, 2, 3, 4], lead_created_at=day(2), created_at=day(3))
    assert got == [250, 250, 250, 250]


def test_full_path_22_5_each_milestone_and_10_over_the_rest():
    got = shares(M.FULL_PATH, [1, 2, 3, 4, 5, 6], lead_created_at=day(2), created_at=day(4))
    assert got == [225, 225, 50, 225, 50, 225]


def test_time_decay_halves_per_half_life_before_the_close():
    touches = [Touch(1, day(186)), Touch(2, day(193)), Touch(3, day(200))]
    got = credit(M.TIME_DECAY, touches, Journey(Decimal("700.00"), day(100), closed_at=day(200)))
    assert got == {1: Decimal("100.00"), 2: Decimal("200.00"), 3: Decimal("400.00")}
    got = credit(
        M.TIME_DECAY,
        touches,
        Journey(Decimal("300.00"), day(100), closed_at=day(200)),
        half_life_days=1e9,
    )
    assert got == {1: Decimal("100.00"), 2: Decimal("100.00"), 3: Decimal("100.00")}


def test_one_touch_gets_everything_and_touches_after_the_close_none():
    for model in M:
        assert shares(model, [5], amount="99.99") == [Decimal("99.99")]
    got = credit(
        M.LINEAR,
        [Touch(1, day(1)), Touch(2, day(300))],
        Journey(Decimal("10.00"), day(100), closed_at=day(200)),
    )
    assert got == {1: Decimal("10.00")}
    assert credit(M.LINEAR, [], Journey(Decimal("10.00"), day(1))) == {}


def test_rounding_remainder_goes_to_the_largest_remainders_then_earliest():
    got = shares(M.LINEAR, [3, 1, 2], amount="0.02")  # ordered by time: ids 2, 3, 1
    assert got == [Decimal("0.00"), Decimal("0.01"), Decimal("0.01")]


touch_lists = st.lists(
    st.tuples(st.integers(0, 400), st.integers(0, 86399)), min_size=1, max_size=12
)


@settings(max_examples=300, deadline=None)
@given(
    touch_lists,
    st.integers(0, 10**13),
    st.integers(0, 400),
    st.one_of(st.none(), st.integers(0, 400)),
    st.one_of(st.none(), st.integers(0, 500)),
    st.floats(0.01, 1000),
)
def test_credits_sum_exactly_to_the_amount(touches, cents, created, lead, closed, half_life):
    amount = Decimal(cents) / 100
    ts = [Touch(i, day(d) + timedelta(seconds=s)) for i, (d, s) in enumerate(touches)]
    journey = Journey(
        amount,
        day(created),
        day(lead) if lead is not None else None,
        day(closed) if closed is not None else None,
    )
    counted = [t for t in ts if journey.closed_at is None or t.at <= journey.closed_at]
    for model, credits in credit_all_models(
        ts, journey, half_life_days=half_life, as_of=day(450)
    ).items():
        if not counted:
            assert credits == {}
            continue
        assert sum(credits.values()) == amount, model
        assert all(c >= 0 and c == c.quantize(Decimal("0.01")) for c in credits.values())
        assert set(credits) == {t.id for t in counted}
        # deterministic: the same input gives the same split
        assert (
            credit(model, list(reversed(ts)), journey, half_life_days=half_life, as_of=day(450))
            == credits
        )


def test_amounts_must_be_whole_cents():
    with pytest.raises(ValueError):
        credit(M.LINEAR, [Touch(1, day(1))], Journey(Decimal("1.005"), day(2)))
