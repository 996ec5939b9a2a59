"""The bonding score: how tied an account is to the vendor and its community, 0-100.

Leading indicators come from the last 90 days of activity by the account's members; the lagging
one from its success plans. Each component maps a raw count to 0-100 with a saturating curve,
100 x (1 - exp(-count / scale)), so the first acts count most and no single one dominates.
The score is the weighted mean of the components that have data (outcomes count only once a
plan has outcomes); the components are returned as they are, so a CSM sees why.
"""

import math
from dataclasses import dataclass
from enum import StrEnum

WINDOW_DAYS = 90


class Category(StrEnum):
    COMMUNITY = "COMMUNITY"  # forum posts and accepted answers
    PROGRAMS = "PROGRAMS"  # programme enrolments and meeting attendance
    PROACTIVE = "PROACTIVE"  # ideas, votes, survey answers, beta feedback
    ADVOCACY = "ADVOCACY"  # references, case studies, testimonials, speaking, referrals
    OUTCOMES = "OUTCOMES"  # success-plan outcomes achieved (lagging)


@dataclass(frozen=True)
class ComponentRule:
    category: Category
    kind: str  # LEADING | LAGGING
    weight: float
    scale: float  # count at which the component reaches 63 of 100
    description: str


RULES = (
    ComponentRule(
        Category.COMMUNITY,
        "LEADING",
        0.25,
        10.0,
        "forum posts and accepted answers in the last 90 days",
    ),
    ComponentRule(
        Category.PROGRAMS,
        "LEADING",
        0.20,
        2.0,
        "programme enrolments and meetings attended in the last 90 days",
    ),
    ComponentRule(
        Category.PROACTIVE,
        "LEADING",
        0.15,
        5.0,
        "ideas, votes, survey answers and beta feedback in the last 90 days",
    ),
    ComponentRule(Category.ADVOCACY, "LEADING", 0.15, 2.0, "acts of advocacy in the last 90 days"),
    ComponentRule(
        Category.OUTCOMES, "LAGGING", 0.25, 1.0, "share of success-plan outcomes achieved"
    ),
)


@dataclass(frozen=True)
class Component:
    category: Category
    kind: str
    weight: float
    raw: float | None
    score: float | None
    description: str

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.category.value,
            "kind": self.kind,
            "weight": self.weight,
            "raw": self.raw,
            "score": self.score,
            "description": self.description,
        }


def saturate(count: float, scale: float) -> float:
    return 100.0 * (1.0 - math.exp(-max(0.0, count) / scale))


def bonding_score(
    counts: dict[Category, float], outcomes_achieved: int, outcomes_total: int
) -> tuple[float, list[Component]]:
    components = []
    for rule in RULES:
        if rule.category is Category.OUTCOMES:
            if outcomes_total == 0:
                raw, score = None, None
            else:
                raw = outcomes_achieved / outcomes_total
                score = 100.0 * raw
        else:
            raw = float(counts.get(rule.category, 0.0))
            score = saturate(raw, rule.scale)
        components.append(
            Component(
                rule.category,
                rule.kind,
                rule.weight,
                raw,
                None if score is None else round(score, 2),
                rule.description,
            )
        )
    present = [c for c in components if c.score is not None]
    total_weight = sum(c.weight for c in present)
    score = sum(c.weight * (c.score or 0.0) for c in present) / total_weight
    return round(score, 2), components
