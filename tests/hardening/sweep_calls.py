"""Calls for the authorization sweep, generated from the schema.

Each root field is called with its required arguments (and every ID argument, required or
not) filled in: IDs point at the sweep's targets (for each Node type, an object another
tenant may not read: an Acme-only one where there is one), everything else gets a plain
valid-looking value. The answer is reduced to one outcome: allowed, or denied by
authentication, by a FORBIDDEN error, or by hiding (null / NOT_FOUND, the convention for what
you may not see).
"""

import base64
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import graphql
from sqlalchemy import func, select

from domain.advocacy.models import FatigueRule
from domain.community.models import Space
from domain.identity.models import ApiToken
from domain.programs.models import BoardSeat
from domain.shared.models import utcnow
from tests.hardening.fuzz_policies import NODE_ORACLES, all_ids
from tests.hardening.fuzz_support import Role, World, global_id

# userError codes that mean "not yours to touch" rather than a rule about the input.
DENYING_USER_ERRORS = {"NOT_FOUND", "FORBIDDEN", "NOT_ACCOUNT_OWNER", "NOT_ENROLLED", "NOT_INVITED"}

# ID arguments whose name does not say the Node type.
ID_ALIASES = {
    "mentee": "Member",
    "mentor": "Member",
    "advocate": "Member",
    "actor": "Member",
    "author": "Member",
    "owner": "Member",
    "recipient": "Member",
    "voter": "Member",
    "ownerCsm": "CsmMember",
    "seat": "BoardSeat",
    "profile": "AdvocateProfile",
    "rule": "FatigueRule",
    "session": "EventSession",
    "event": "AdvocacyEvent",
    "pair": "BuddyPair",
    "round": "MatchingRound",
    "proposal": "RoundProposal",
    "plan": "SuccessPlan",
    "outcome": "SuccessOutcome",
    "meeting": "BoardMeeting",
    "build": "BetaBuild",
    "application": "ProgramApplication",
    "request": "ReferenceRequest",
    "redemption": "RewardRedemption",
    "consent": "ConsentRecord",
    "engagement": "AdvocacyEngagement",
    "opportunity": "RevenueOpportunity",
    "response": "SurveyResponse",
    "entry": "ChangelogEntry",
    "post": "Post",
    "competitor": "Account",
}

# Objects that are not Nodes but are aimed at by id.
NON_NODE_TARGETS: dict[str, Any] = {
    "BoardSeat": BoardSeat,
    "FatigueRule": FatigueRule,
}

PLAIN_VALUES: dict[str, Any] = {
    "String": "sweep",
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "DateTime": "2030-01-01T00:00:00+00:00",
    "Date": "2030-01-01",
    "Decimal": "1",
    "JSON": {},
}


class Outcome(StrEnum):
    ALLOWED = "allowed"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    HIDDEN = "hidden"


@dataclass(frozen=True)
class Call:
    document: str
    variables: dict[str, Any]

    aimed: bool = False  # an argument names an object by id


async def pick_targets(world: World) -> dict[str, str]:
    """Per Node type, the global id of an object some customers may read and others not
    (preferring one Northwind's member may not); any object when there is none. Members
    point at Casey (Acme), whose advocacy records, buddy profile and token are his own; ids of
    objects that are not Nodes (seats, fatigue rules, tokens) are the first of their kind."""
    targets: dict[str, str] = {}
    now = utcnow()
    async with world.sessions() as session:
        for type_name in world.type_names:
            if type_name not in NODE_ORACLES:
                continue  # test_every_node_type_has_a_policy_oracle names it
            every = sorted(await all_ids(session, type_name))
            oracle = NODE_ORACLES[type_name]
            readers = [
                await oracle(session, world.actors[role], now)
                for role in (Role.OTHER_CUSTOMER, Role.CUSTOMER, Role.MODERATOR)
            ]

            def rank(i: int, readers: list[set[int]] = readers) -> tuple[bool, bool, int]:
                shown_to = sum(i in r for r in readers)  # 0 < shown_to < 3: restricted
                return (not 0 < shown_to < 3, i in readers[0], i)

            ranked = sorted(every, key=rank)
            targets[type_name] = global_id(type_name, ranked[0] if ranked else 999_999)
        casey = world.members[Role.MODERATOR]
        targets["Member"] = global_id("Member", casey.id)
        targets["CsmMember"] = global_id("Member", world.members[Role.CSM].id)
        targets["ProductMember"] = global_id("Member", world.members[Role.PRODUCT].id)
        token = await session.scalar(
            select(ApiToken.id).where(ApiToken.member_id == casey.id).order_by(ApiToken.id)
        )
        targets["ApiToken"] = global_id("ApiToken", token or 999_999)
        for type_name, model in NON_NODE_TARGETS.items():
            first = await session.scalar(select(func.min(model.id)))
            targets[type_name] = global_id(type_name, first or 999_999)
        space = await session.get(Space, int(decode(targets["Space"]).split(":")[1]))
        targets["slug"] = space.slug if space else "nope"
    return targets


def decode(global_id_: str) -> str:
    return base64.b64decode(global_id_).decode()


def _id_type(arg_name: str, owner_name: str, node_types: set[str]) -> str:
    stem = arg_name.removesuffix("s").removesuffix("Id").removesuffix("ID")
    if stem in ("", "id"):
        stem = owner_name
    capital = stem[:1].upper() + stem[1:]
    for candidate in (ID_ALIASES.get(stem, ""), capital):
        if candidate in node_types:
            return candidate
    by_length = sorted(node_types, key=len, reverse=True)
    for node_type in by_length:  # sourceThreadId, parentPostId
        if capital.endswith(node_type):
            return node_type
    for suffix in ("Payload", "IdInput", "RefInput", "StepInput", "Input"):
        owner_name = owner_name.removesuffix(suffix)
    for node_type in by_length:  # revokeApiToken(input: {id}), mergeIdeas(input: {sourceId})
        if node_type in owner_name:
            return node_type
    return "Member"


def _value(
    type_: graphql.GraphQLInputType,
    name: str,
    owner: str,
    targets: dict[str, str],
    node_types: set[str],
    plain: dict[str, Any],
) -> Any:
    type_ = graphql.get_nullable_type(type_)  # type: ignore[assignment]
    if isinstance(type_, graphql.GraphQLList):
        return [_value(type_.of_type, name, owner, targets, node_types, plain)]
    if isinstance(type_, graphql.GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, graphql.GraphQLInputObjectType):
        return {
            field_name: _value(field.type, field_name, type_.name, targets, node_types, plain)
            for field_name, field in type_.fields.items()
            if _wanted(field.type, field.default_value, plain)
        }
    assert isinstance(type_, graphql.GraphQLScalarType)
    if type_.name == "ID":
        return targets[_id_type(name, owner, node_types)]
    if name == "slug":
        return targets["slug"]
    return plain[type_.name]


def _wanted(type_: graphql.GraphQLInputType, default: Any, plain: dict[str, Any]) -> bool:
    """Required arguments and fields, every one that takes an ID (the object to aim at), and
    every one of a scalar whose value the caller chose."""
    if graphql.is_non_null_type(type_) and default is graphql.Undefined:
        return True
    named = graphql.get_named_type(type_).name
    return named == "ID" or (named in plain and plain[named] is not PLAIN_VALUES.get(named))


def _selection(type_: graphql.GraphQLOutputType) -> str:
    named = graphql.get_named_type(type_)
    if isinstance(named, graphql.GraphQLObjectType):
        if "userErrors" in named.fields:
            return "{ __typename userErrors { code } }"
        return "{ __typename }"
    if isinstance(named, graphql.GraphQLInterfaceType | graphql.GraphQLUnionType):
        return "{ __typename }"
    return ""


def build_call(
    schema: graphql.GraphQLSchema,
    operation: str,
    name: str,
    targets: dict[str, str],
    overrides: dict[str, Any] | None = None,
    scalars: dict[str, Any] | None = None,
) -> Call:
    """The operation calling root field `name`; `scalars` replaces the plain scalar values."""
    root = schema.query_type if operation == "query" else schema.mutation_type
    assert root is not None
    field = root.fields[name]
    node_types = {t for t in targets if t != "slug"}
    owner = graphql.get_named_type(field.type).name
    plain = PLAIN_VALUES | (scalars or {})
    variables = {
        arg_name: _value(arg.type, arg_name, owner, targets, node_types, plain)
        for arg_name, arg in field.args.items()
        if _wanted(arg.type, arg.default_value, plain)
    }
    for key, value in _resolve(overrides or {}, targets).items():
        if isinstance(value, dict) and isinstance(variables.get(key), dict):
            variables[key] = {**variables[key], **value}
        else:
            variables[key] = value
    definitions = ", ".join(f"${a}: {field.args[a].type}" for a in variables)
    arguments = ", ".join(f"{a}: ${a}" for a in variables)
    head = f"{operation} Sweep({definitions})" if definitions else f"{operation} Sweep"
    call = f"{name}({arguments})" if arguments else name
    aimed = any(graphql.get_named_type(field.args[a].type).name == "ID" for a in variables)
    return Call(f"{head} {{ {call} {_selection(field.type)} }}", variables, aimed)


def _resolve(value: Any, targets: dict[str, str]) -> Any:
    """ "@Thread" in an expectation's variables is the sweep's Thread target."""
    if isinstance(value, str) and value.startswith("@"):
        return targets[value[1:]]
    if isinstance(value, dict):
        return {k: _resolve(v, targets) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, targets) for v in value]
    return value


def classify(body: dict[str, Any], name: str, aimed: bool = False) -> Outcome:
    """The outcome of a call; `aimed`: it named an object (an empty list then hides it)."""
    codes = {(e.get("extensions") or {}).get("code") for e in body.get("errors") or []}
    if "UNAUTHENTICATED" in codes:
        return Outcome.UNAUTHENTICATED
    if "FORBIDDEN" in codes:
        return Outcome.FORBIDDEN
    value = (body.get("data") or {}).get(name)
    if value is None or "NOT_FOUND" in codes:
        return Outcome.HIDDEN
    if aimed and value == []:
        return Outcome.HIDDEN
    if isinstance(value, dict):
        user_codes = {e["code"] for e in value.get("userErrors") or []}
        if user_codes & DENYING_USER_ERRORS:
            return Outcome.HIDDEN
    return Outcome.ALLOWED
