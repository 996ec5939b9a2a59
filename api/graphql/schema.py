"""The schema, assembled from one query and one mutation type per context."""

from decimal import Decimal
from functools import partial
from typing import Any

import strawberry
from graphql import ASTValidationRule, GraphQLError
from strawberry import relay
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as query_depth_rule
from strawberry.schema.config import StrawberryConfig

from api.graphql.advocacy.mutations import AdvocacyMutations
from api.graphql.advocacy.queries import AdvocacyQueries
from api.graphql.advocacy.types import AdvocacyUserError
from api.graphql.audit.queries import AuditQueries
from api.graphql.community.moderation import ModerationMutations, ModerationQueries
from api.graphql.community.mutations import CommunityMutations
from api.graphql.community.notifications import NotificationMutations, NotificationQueries
from api.graphql.community.queries import CommunityQueries
from api.graphql.community.subscriptions import CommunitySubscriptions
from api.graphql.community.types import CommunityUserError
from api.graphql.errors import ErrorMapping
from api.graphql.execution import LeanExecutionContext
from api.graphql.feedback.mutations import FeedbackMutations
from api.graphql.feedback.queries import FeedbackQueries
from api.graphql.feedback.types import FeedbackUserError
from api.graphql.identity.mutations import IdentityMutations
from api.graphql.identity.privacy import PrivacyMutations, PrivacyQueries
from api.graphql.identity.queries import IdentityQueries
from api.graphql.identity.types import IdentityUserError
from api.graphql.insights.mutations import InsightsMutations
from api.graphql.insights.queries import InsightsQueries
from api.graphql.insights.types import InsightsUserError
from api.graphql.limits import CostReport, cost_limit_rule
from api.graphql.matching.mutations import MatchingMutations
from api.graphql.matching.queries import MatchingQueries
from api.graphql.matching.types import MatchingUserError
from api.graphql.money import FiniteDecimal
from api.graphql.programs.mutations import ProgramsMutations
from api.graphql.programs.queries import ProgramsQueries
from api.graphql.programs.types import ProgramsUserError
from api.graphql.search.queries import SearchQueries
from api.settings import Settings

DOCUMENT_CACHE_SIZE = 512  # distinct query documents kept parsed and validated


class BondfireSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Expected errors are the client's business; ErrorMapping logs the unexpected ones."""


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    settings = settings or Settings()

    # Declared per build: strawberry's relay.node() field is bound to the schema it is built in.
    @strawberry.type
    class Query(
        IdentityQueries,
        PrivacyQueries,
        CommunityQueries,
        NotificationQueries,
        ModerationQueries,
        SearchQueries,
        ProgramsQueries,
        FeedbackQueries,
        MatchingQueries,
        AdvocacyQueries,
        InsightsQueries,
        AuditQueries,
    ):
        node: relay.Node | None = relay.node(
            description="Any object by its global id; null if you may not see it."
        )
        nodes: list[relay.Node | None] = relay.node(
            description="Objects by global ids, in order; null where you may not see one."
        )

    @strawberry.type
    class Mutation(
        IdentityMutations,
        PrivacyMutations,
        CommunityMutations,
        NotificationMutations,
        ModerationMutations,
        ProgramsMutations,
        FeedbackMutations,
        MatchingMutations,
        AdvocacyMutations,
        InsightsMutations,
    ):
        pass

    # The validation rules are built once, so the module-level validation cache (keyed by the
    # rule classes) hits on repeated documents; strawberry's limiter extensions would build
    # new rule classes per request and defeat it.
    rules: list[type[ASTValidationRule]] = [
        query_depth_rule(settings.max_query_depth, None),
        alias_rule(settings.max_aliases),
        cost_limit_rule(settings.max_query_cost),
    ]
    extensions: list = [  # type: ignore[type-arg]
        partial(MaxTokensLimiter, max_token_count=settings.max_tokens),
        partial(ParserCache, maxsize=DOCUMENT_CACHE_SIZE),
        partial(AddValidationRules, rules),
        partial(ValidationCache, maxsize=DOCUMENT_CACHE_SIZE),
        ErrorMapping,
        partial(
            CostReport,
            max_cost=settings.max_query_cost,
            always=settings.query_cost_report == "always",
        ),
    ]
    if not settings.introspection:
        extensions.append(DisableIntrospection)
    return BondfireSchema(
        query=Query,
        mutation=Mutation,
        subscription=CommunitySubscriptions,
        extensions=extensions,
        types=[
            IdentityUserError,
            CommunityUserError,
            ProgramsUserError,
            FeedbackUserError,
            MatchingUserError,
            AdvocacyUserError,
            InsightsUserError,
        ],
        config=StrawberryConfig(relay_max_results=100, scalar_map={Decimal: FiniteDecimal}),
        execution_context_class=LeanExecutionContext,
    )
