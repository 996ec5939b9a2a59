"""Eligibility rules, evaluated against account and member data, each with its reason.

A program stores its rules as a small JSON object (`Program.eligibility`); only the rules it
sets are checked. Evaluation is a pure function of the facts, so the same answer explains a
refusal to apply, a nomination, an invitation and the "why am I (not) eligible" query.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from domain.identity.models import AccountSegment, TouchTier


class EligibilityRule(StrEnum):
    SEGMENT = "SEGMENT"
    TIER = "TIER"
    ARR_BAND = "ARR_BAND"
    REGION = "REGION"
    INDUSTRY = "INDUSTRY"
    PRODUCTS = "PRODUCTS"
    TENURE = "TENURE"
    ROLE = "ROLE"
    NOT_COMPETITOR = "NOT_COMPETITOR"
    PROGRAM_LIMIT = "PROGRAM_LIMIT"


@dataclass(frozen=True)
class Rules:
    """A program's rules; empty lists and None mean "not a rule"."""

    segments: list[AccountSegment] = field(default_factory=list)
    tiers: list[TouchTier] = field(default_factory=list)
    min_arr: Decimal | None = None
    max_arr: Decimal | None = None
    regions: list[str] = field(default_factory=list)
    industries: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)  # uses at least one of these
    min_tenure_days: int | None = None  # using the product for at least this long
    roles: list[str] = field(default_factory=list)  # job title contains one of these words
    excluded_competitors_of: list[int] = field(default_factory=list)  # account ids
    max_other_programs: int | None = None  # seated in at most this many other programs

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "segments": [str(s) for s in self.segments],
            "tiers": [str(t) for t in self.tiers],
            "min_arr": None if self.min_arr is None else str(self.min_arr),
            "max_arr": None if self.max_arr is None else str(self.max_arr),
            "regions": self.regions,
            "industries": self.industries,
            "products": self.products,
            "min_tenure_days": self.min_tenure_days,
            "roles": self.roles,
            "excluded_competitors_of": self.excluded_competitors_of,
            "max_other_programs": self.max_other_programs,
        }
        return {k: v for k, v in data.items() if v not in (None, [])}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> "Rules":
        data = data or {}
        return cls(
            segments=[AccountSegment(s) for s in data.get("segments", [])],
            tiers=[TouchTier(t) for t in data.get("tiers", [])],
            min_arr=_decimal(data.get("min_arr")),
            max_arr=_decimal(data.get("max_arr")),
            regions=list(data.get("regions", [])),
            industries=list(data.get("industries", [])),
            products=list(data.get("products", [])),
            min_tenure_days=data.get("min_tenure_days"),
            roles=list(data.get("roles", [])),
            excluded_competitors_of=[int(i) for i in data.get("excluded_competitors_of", [])],
            max_other_programs=data.get("max_other_programs"),
        )


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@dataclass(frozen=True)
class Facts:
    """What the rules look at, for one member."""

    segment: AccountSegment | None
    tier: TouchTier | None
    arr: Decimal | None
    currency: str
    region: str | None
    industry: str | None
    products_used: list[str]
    using_product_since: date | None
    title: str | None
    # Listed accounts (id -> name) that this member's account competes with, either way round.
    competing_with: dict[int, str]
    other_programs: int  # seated enrolments in other programs that are not closed
    today: date


@dataclass(frozen=True)
class RuleCheck:
    rule: EligibilityRule
    passed: bool
    reason: str


def _one_of(label: str, value: str | None, allowed: list[str]) -> tuple[bool, str]:
    wanted = ", ".join(allowed)
    if value is None:
        return False, f"your account's {label} is not known; this program is for {wanted}"
    if value.casefold() in {a.casefold() for a in allowed}:
        return True, f"{label} {value} is one of {wanted}"
    return False, f"{label} {value} is not one of {wanted}"


def evaluate(rules: Rules, facts: Facts) -> list[RuleCheck]:
    """Every rule the program sets, in a fixed order, with pass/fail and a reason."""
    checks: list[RuleCheck] = []

    def add(rule: EligibilityRule, result: tuple[bool, str]) -> None:
        checks.append(RuleCheck(rule, *result))

    if rules.segments:
        add(
            EligibilityRule.SEGMENT,
            _one_of("segment", facts.segment, [str(s) for s in rules.segments]),
        )
    if rules.tiers:
        add(EligibilityRule.TIER, _one_of("tier", facts.tier, [str(t) for t in rules.tiers]))
    if rules.min_arr is not None or rules.max_arr is not None:
        add(EligibilityRule.ARR_BAND, _arr(rules, facts))
    if rules.regions:
        add(EligibilityRule.REGION, _one_of("region", facts.region, rules.regions))
    if rules.industries:
        add(EligibilityRule.INDUSTRY, _one_of("industry", facts.industry, rules.industries))
    if rules.products:
        used = {p.casefold() for p in facts.products_used}
        hits = [p for p in rules.products if p.casefold() in used]
        wanted = ", ".join(rules.products)
        add(
            EligibilityRule.PRODUCTS,
            (True, f"you use {', '.join(hits)}") if hits else (False, f"you use none of {wanted}"),
        )
    if rules.min_tenure_days is not None:
        add(EligibilityRule.TENURE, _tenure(rules.min_tenure_days, facts))
    if rules.roles:
        title = (facts.title or "").casefold()
        hits = [r for r in rules.roles if r.casefold() in title]
        wanted = ", ".join(rules.roles)
        if not facts.title:
            result = (False, f"your profile has no job title; this program is for {wanted}")
        elif hits:
            result = (True, f"your title {facts.title} matches {', '.join(hits)}")
        else:
            result = (False, f"your title {facts.title} matches none of {wanted}")
        add(EligibilityRule.ROLE, result)
    if rules.excluded_competitors_of:
        names = sorted(facts.competing_with.values())
        add(
            EligibilityRule.NOT_COMPETITOR,
            (False, f"your company competes with {', '.join(names)}")
            if names
            else (True, "your company competes with none of the listed accounts"),
        )
    if rules.max_other_programs is not None:
        n, limit = facts.other_programs, rules.max_other_programs
        add(
            EligibilityRule.PROGRAM_LIMIT,
            (True, f"you are in {n} other program(s); the limit is {limit}")
            if n <= limit
            else (False, f"you are already in {n} other programs; the limit is {limit}"),
        )
    return checks


def _arr(rules: Rules, facts: Facts) -> tuple[bool, str]:
    low = f"{rules.min_arr} {facts.currency}" if rules.min_arr is not None else None
    high = f"{rules.max_arr} {facts.currency}" if rules.max_arr is not None else None
    band = f"{low or 'any'} to {high or 'any'}"
    if facts.arr is None:
        return False, f"your account's ARR is not known; this program is for ARR {band}"
    ok = (rules.min_arr is None or facts.arr >= rules.min_arr) and (
        rules.max_arr is None or facts.arr <= rules.max_arr
    )
    where = "within" if ok else "outside"
    return ok, f"ARR {facts.arr} {facts.currency} is {where} {band}"


def _tenure(min_days: int, facts: Facts) -> tuple[bool, str]:
    if facts.using_product_since is None:
        return False, f"no product start date on your profile; at least {min_days} days needed"
    days = (facts.today - facts.using_product_since).days
    if days >= min_days:
        return True, f"using the product for {days} days (at least {min_days} needed)"
    return False, f"using the product for {days} days; at least {min_days} needed"


def failing(checks: list[RuleCheck]) -> list[RuleCheck]:
    return [c for c in checks if not c.passed]
