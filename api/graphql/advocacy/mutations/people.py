"""Mutations for advocate profiles, nominations, consent and fatigue rules."""

from datetime import date, datetime

import strawberry
from strawberry import relay

from api.graphql.advocacy.types import (
    AdvocacyUserError,
    AdvocateProfileNode,
    AssetInUse,
    ConsentRecordNode,
    FatigueRuleType,
)
from api.graphql.context import Info
from api.graphql.errors import mutate
from api.graphql.relay import decode_id
from domain.advocacy.fatigue import AskKind
from domain.advocacy.models import AdvocacyActivity, ConsentChannel, ConsentScope, FatigueTarget
from domain.advocacy.services import consent, fatigue_rules, profiles


def optional_id(value: relay.GlobalID | None, type_name: str, field: str) -> int | None:
    return None if value is None else decode_id(value, type_name, ["input", field])


@strawberry.input
class OutcomeInput:
    metric: str = strawberry.field(description='What improved, e.g. "month-end close".')
    after: str = strawberry.field(description='The result, e.g. "2 days".')
    before: str | None = None
    note: str | None = None


@strawberry.input
class AvailabilityInput:
    starts_on: date
    ends_on: date


@strawberry.input
class AdvocateProfileInput:
    member_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Whose profile (staff); the viewer's when omitted."
    )
    activities: list[AdvocacyActivity] = strawberry.field(default_factory=list)
    max_asks_per_quarter: int | None = None
    languages: list[str] = strawberry.field(default_factory=list)
    products: list[str] = strawberry.field(default_factory=list)
    use_cases: list[str] = strawberry.field(default_factory=list)
    outcomes: list[OutcomeInput] = strawberry.field(default_factory=list)
    availability: list[AvailabilityInput] = strawberry.field(default_factory=list)
    notes: str | None = None


@strawberry.type
class AdvocateProfilePayload:
    profile: AdvocateProfileNode | None
    user_errors: list[AdvocacyUserError]


@strawberry.input
class DecideNominationInput:
    profile_id: relay.GlobalID
    approve: bool
    reason: str | None = None


@strawberry.input
class PauseAdvocateInput:
    profile_id: relay.GlobalID
    paused: bool


@strawberry.input
class GrantConsentInput:
    scope: ConsentScope = ConsentScope.MEMBER
    activity: AdvocacyActivity
    channels: list[ConsentChannel]
    text_version: str = strawberry.field(description="The version of the consent text agreed to.")
    member_id: relay.GlobalID | None = strawberry.field(
        default=None, description="For MEMBER scope; the viewer when omitted."
    )
    account_id: relay.GlobalID | None = strawberry.field(default=None, description="For ACCOUNT.")
    expires_at: datetime | None = None


@strawberry.type
class ConsentPayload:
    consent: ConsentRecordNode | None
    affected_assets: list[AssetInUse] = strawberry.field(
        description="On withdrawal: assets that were usable and are not any more (take down)."
    )
    user_errors: list[AdvocacyUserError]


@strawberry.input
class WithdrawConsentInput:
    consent_id: relay.GlobalID
    reason: str | None = None


@strawberry.input
class FatigueRuleInput:
    target: FatigueTarget
    period_days: int
    max_asks: int
    cooldown_days: int = 0
    kind: AskKind | None = strawberry.field(default=None, description="Null: all kinds together.")
    member_id: relay.GlobalID | None = None
    account_id: relay.GlobalID | None = None


@strawberry.type
class FatigueRulePayload:
    rule: FatigueRuleType | None
    user_errors: list[AdvocacyUserError]


@strawberry.input
class DeleteFatigueRuleInput:
    rule_id: relay.GlobalID


@strawberry.type
class DeletedPayload:
    deleted_id: relay.GlobalID | None
    user_errors: list[AdvocacyUserError]


def _profile_data(input: AdvocateProfileInput) -> profiles.ProfileData:
    return profiles.ProfileData(
        activities=list(input.activities),
        max_asks_per_quarter=input.max_asks_per_quarter,
        languages=list(input.languages),
        products=list(input.products),
        use_cases=list(input.use_cases),
        outcomes=[profiles.Outcome(o.metric, o.after, o.before, o.note) for o in input.outcomes],
        availability=[profiles.Window(w.starts_on, w.ends_on) for w in input.availability],
        notes=input.notes,
    )


def _profile_payload(result: tuple[AdvocateProfileNode | None, list]) -> AdvocateProfilePayload:  # type: ignore[type-arg]
    profile, problems = result
    return AdvocateProfilePayload(
        profile=profile, user_errors=AdvocacyUserError.from_problems(problems)
    )


@strawberry.type
class PeopleMutations:
    @strawberry.mutation(
        description="Say what you are willing to do as an advocate (active at once); staff "
        "editing someone else's profile nominate them if they had none."
    )
    async def save_advocate_profile(
        self, info: Info, input: AdvocateProfileInput
    ) -> AdvocateProfilePayload:
        async def run() -> AdvocateProfileNode:
            c = info.context
            actor = c.require_actor()
            member_id = optional_id(input.member_id, "Member", "memberId") or actor.member_id
            profile = await profiles.save_profile(
                c.session, actor, c.now, member_id, _profile_data(input)
            )
            return AdvocateProfileNode.from_model(profile)

        return _profile_payload(await mutate(info, run))

    @strawberry.mutation(
        description="Nominate a customer as an advocate; the account owner approves."
    )
    async def nominate_advocate(
        self, info: Info, input: AdvocateProfileInput
    ) -> AdvocateProfilePayload:
        async def run() -> AdvocateProfileNode:
            c = info.context
            member_id = optional_id(input.member_id, "Member", "memberId")
            if member_id is None:
                from domain.advocacy.errors import invalid

                raise invalid("name the member to nominate", "memberId")
            profile = await profiles.nominate(
                c.session, c.require_actor(), c.now, member_id, _profile_data(input)
            )
            return AdvocateProfileNode.from_model(profile)

        return _profile_payload(await mutate(info, run))

    @strawberry.mutation(
        description="Approve or decline a nomination: the account owner, not the nominator."
    )
    async def decide_advocate_nomination(
        self, info: Info, input: DecideNominationInput
    ) -> AdvocateProfilePayload:
        async def run() -> AdvocateProfileNode:
            c = info.context
            profile_id = decode_id(input.profile_id, "AdvocateProfile", ["input", "profileId"])
            profile = await profiles.decide_nomination(
                c.session, c.require_actor(), c.now, profile_id, input.approve, input.reason
            )
            return AdvocateProfileNode.from_model(profile)

        return _profile_payload(await mutate(info, run))

    @strawberry.mutation(description="Pause (or resume) being asked as an advocate.")
    async def pause_advocate_profile(
        self, info: Info, input: PauseAdvocateInput
    ) -> AdvocateProfilePayload:
        async def run() -> AdvocateProfileNode:
            c = info.context
            profile_id = decode_id(input.profile_id, "AdvocateProfile", ["input", "profileId"])
            profile = await profiles.set_paused(
                c.session, c.require_actor(), c.now, profile_id, input.paused
            )
            return AdvocateProfileNode.from_model(profile)

        return _profile_payload(await mutate(info, run))

    @strawberry.mutation(
        description="Record consent: your own, or (staff) one given by a customer."
    )
    async def grant_consent(self, info: Info, input: GrantConsentInput) -> ConsentPayload:
        async def run() -> ConsentRecordNode:
            c = info.context
            actor = c.require_actor()
            member_id = optional_id(input.member_id, "Member", "memberId")
            if input.scope is ConsentScope.MEMBER and member_id is None:
                member_id = actor.member_id
            new = consent.NewConsent(
                scope=input.scope,
                activity=input.activity,
                channels=list(input.channels),
                text_version=input.text_version,
                member_id=member_id,
                account_id=optional_id(input.account_id, "Account", "accountId"),
                expires_at=input.expires_at,
            )
            return ConsentRecordNode.from_model(await consent.grant(c.session, actor, c.now, new))

        node, problems = await mutate(info, run)
        return ConsentPayload(
            consent=node, affected_assets=[], user_errors=AdvocacyUserError.from_problems(problems)
        )

    @strawberry.mutation(
        description="Withdraw a consent at once. Returns the assets it made unusable."
    )
    async def withdraw_consent(self, info: Info, input: WithdrawConsentInput) -> ConsentPayload:
        async def run() -> tuple[ConsentRecordNode, list[AssetInUse]]:
            c = info.context
            consent_id = decode_id(input.consent_id, "ConsentRecord", ["input", "consentId"])
            record, affected = await consent.withdraw(
                c.session, c.require_actor(), c.now, consent_id, input.reason
            )
            return ConsentRecordNode.from_model(record), [AssetInUse.of(u) for u in affected]

        result, problems = await mutate(info, run)
        return ConsentPayload(
            consent=result[0] if result else None,
            affected_assets=result[1] if result else [],
            user_errors=AdvocacyUserError.from_problems(problems),
        )

    @strawberry.mutation(description="Set a fatigue limit (replaces the same rule). Staff only.")
    async def set_fatigue_rule(self, info: Info, input: FatigueRuleInput) -> FatigueRulePayload:
        async def run() -> FatigueRuleType:
            c = info.context
            data = fatigue_rules.RuleData(
                target=input.target,
                period_days=input.period_days,
                max_asks=input.max_asks,
                cooldown_days=input.cooldown_days,
                kind=input.kind,
                member_id=optional_id(input.member_id, "Member", "memberId"),
                account_id=optional_id(input.account_id, "Account", "accountId"),
            )
            return FatigueRuleType.from_model(
                await fatigue_rules.set_rule(c.session, c.require_actor(), data)
            )

        rule, problems = await mutate(info, run)
        return FatigueRulePayload(rule=rule, user_errors=AdvocacyUserError.from_problems(problems))

    @strawberry.mutation(description="Remove a fatigue rule (the next specific one applies).")
    async def delete_fatigue_rule(
        self, info: Info, input: DeleteFatigueRuleInput
    ) -> DeletedPayload:
        async def run() -> relay.GlobalID:
            c = info.context
            rule_id = decode_id(input.rule_id, "FatigueRule", ["input", "ruleId"])
            await fatigue_rules.delete_rule(c.session, c.require_actor(), rule_id)
            return input.rule_id

        deleted, problems = await mutate(info, run)
        return DeletedPayload(
            deleted_id=deleted, user_errors=AdvocacyUserError.from_problems(problems)
        )
