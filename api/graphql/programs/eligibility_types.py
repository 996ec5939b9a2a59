"""Eligibility on the wire: a program's rules, and each rule checked for one member."""

from decimal import Decimal
from typing import Self

import strawberry
from strawberry import relay

from domain.identity.models import AccountSegment, TouchTier
from domain.programs import eligibility

strawberry.enum(eligibility.EligibilityRule)


@strawberry.type(description="One eligibility rule checked for one member.")
class EligibilityCheck:
    rule: eligibility.EligibilityRule
    passed: bool
    reason: str = strawberry.field(description="Why it passed or failed, in plain words.")


@strawberry.type(description="Whether a member may join a program, rule by rule.")
class Eligibility:
    eligible: bool
    checks: list[EligibilityCheck] = strawberry.field(description="Every rule the program sets.")
    failing: list[EligibilityCheck] = strawberry.field(description="Only the failing rules.")

    @classmethod
    def of(cls, checks: list[eligibility.RuleCheck]) -> Self:
        converted = [
            EligibilityCheck(rule=c.rule, passed=c.passed, reason=c.reason) for c in checks
        ]
        return cls(
            eligible=all(c.passed for c in checks),
            checks=converted,
            failing=[c for c in converted if not c.passed],
        )


@strawberry.type(description="A program's eligibility rules; empty or null means no such rule.")
class EligibilityRules:
    segments: list[AccountSegment]
    tiers: list[TouchTier]
    min_arr: Decimal | None = strawberry.field(description="In the account's currency.")
    max_arr: Decimal | None
    regions: list[str]
    industries: list[str]
    products: list[str] = strawberry.field(description="The member uses at least one of these.")
    min_tenure_days: int | None = strawberry.field(description="Using the product this long.")
    roles: list[str] = strawberry.field(description="The job title contains one of these words.")
    excluded_competitors_of: list[relay.GlobalID] = strawberry.field(
        description="Accounts whose competitors may not join."
    )
    max_other_programs: int | None = strawberry.field(
        description="Seated in at most this many other (not closed) programs."
    )

    @classmethod
    def of(cls, rules: eligibility.Rules) -> Self:
        return cls(
            segments=rules.segments,
            tiers=rules.tiers,
            min_arr=rules.min_arr,
            max_arr=rules.max_arr,
            regions=rules.regions,
            industries=rules.industries,
            products=rules.products,
            min_tenure_days=rules.min_tenure_days,
            roles=rules.roles,
            excluded_competitors_of=[
                relay.GlobalID("Account", str(i)) for i in rules.excluded_competitors_of
            ],
            max_other_programs=rules.max_other_programs,
        )
