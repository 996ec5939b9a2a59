from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry import relay

from api.graphql.advocacy.asset_types import CaseStudyNode, TestimonialNode
from api.graphql.advocacy.types import AdvocateProfileNode
from api.graphql.community.types import PostNode, ThreadNode
from api.graphql.feedback.types import IdeaNode
from api.graphql.identity.types import MemberNode
from domain.community.models import ThreadKind


@strawberry.enum(name="SearchType", description="A kind of document search finds.")
class SearchType(Enum):
    THREAD = "thread"
    POST = "post"
    MEMBER = "member"
    IDEA = "idea"
    CASE_STUDY = "case_study"
    TESTIMONIAL = "testimonial"
    ADVOCATE_PROFILE = "advocate_profile"


@strawberry.enum(name="SearchFacetField", description="What search results can be counted by.")
class SearchFacetField(Enum):
    TYPE = "type"
    SPACE = "space"
    TAG = "tag"
    KIND = "kind"
    ANSWERED = "answered"
    ACCOUNT = "account"
    INDUSTRY = "industry"
    PRODUCT = "product"
    REGION = "region"
    APPROVAL_STATE = "approval_state"


@strawberry.input(
    name="SearchFilters",
    description="Narrow a search. All given conditions must hold; within a list, any value "
    "matches; an empty or missing list does not filter. A type without the attribute a "
    "filter names (members have no space) finds nothing under that filter.",
)
class SearchFilters:
    space_ids: list[relay.GlobalID] | None = None
    thread_ids: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="Posts in these threads."
    )
    tags: list[str] | None = None
    kinds: list[ThreadKind] | None = None
    answered: bool | None = strawberry.field(
        default=None, description="Questions with (true) or without (false) an accepted answer."
    )
    author_ids: list[relay.GlobalID] | None = None
    account_ids: list[relay.GlobalID] | None = strawberry.field(
        default=None,
        description="The author's (or member's) account. Staff may name any; others only their "
        "own account.",
    )
    industries: list[str] | None = strawberry.field(
        default=None,
        description="Case studies, testimonials and advocate profiles: the customer's industry "
        "(the account's, or a case study's industry tags), as the INDUSTRY facet shows it.",
    )
    products: list[str] | None = strawberry.field(
        default=None,
        description="Case studies (product tags), testimonials (products the author uses), "
        "advocate profiles (their products), as the PRODUCT facet shows them.",
    )
    regions: list[str] | None = strawberry.field(
        default=None, description="The customer account's region, as the REGION facet shows it."
    )
    approval_states: list[str] | None = strawberry.field(
        default=None,
        description="A case study's stage (e.g. PUBLISHED, RETIRED), a testimonial's state "
        "(e.g. AWAITING_APPROVAL) or an advocate profile's status (e.g. NOMINATED).",
    )


@strawberry.type(name="SearchHighlight", description="Where a hit matched.")
class SearchHighlight:
    field: str = strawberry.field(description="The document field, e.g. title, body, name.")
    snippet: str = strawberry.field(
        description="HTML-safe text with matches in <mark>; long fields are cropped (…)."
    )


@strawberry.type(name="ThreadSearchHit")
class ThreadSearchHit:
    thread: ThreadNode
    highlights: list[SearchHighlight]


@strawberry.type(name="PostSearchHit", description="A reply (opening posts come as threads).")
class PostSearchHit:
    post: PostNode
    highlights: list[SearchHighlight]


@strawberry.type(name="MemberSearchHit")
class MemberSearchHit:
    member: MemberNode
    highlights: list[SearchHighlight]


@strawberry.type(name="IdeaSearchHit", description="An idea (merged duplicates are not found).")
class IdeaSearchHit:
    idea: IdeaNode
    highlights: list[SearchHighlight]


@strawberry.type(
    name="CaseStudySearchHit",
    description="A case study: staff who run advocacy find all; others their own and published "
    "ones under active consent.",
)
class CaseStudySearchHit:
    case_study: CaseStudyNode
    highlights: list[SearchHighlight]


@strawberry.type(
    name="TestimonialSearchHit",
    description="A testimonial: staff who run advocacy find all; a customer their own.",
)
class TestimonialSearchHit:
    testimonial: TestimonialNode
    highlights: list[SearchHighlight]


@strawberry.type(
    name="AdvocateProfileSearchHit",
    description="A reference (advocate) profile: staff who run advocacy find all; a customer "
    "their own.",
)
class AdvocateProfileSearchHit:
    advocate_profile: AdvocateProfileNode
    highlights: list[SearchHighlight]


SearchHit = Annotated[
    ThreadSearchHit
    | PostSearchHit
    | MemberSearchHit
    | IdeaSearchHit
    | CaseStudySearchHit
    | TestimonialSearchHit
    | AdvocateProfileSearchHit,
    strawberry.union("SearchHit", description="One search result, by document type."),
]


@strawberry.type(name="SearchHitEdge")
class SearchHitEdge:
    cursor: str
    node: SearchHit


@strawberry.type(name="SearchFacetValue")
class SearchFacetValue:
    value: str = strawberry.field(
        description="A global id for spaces and accounts (usable in SearchFilters), the type "
        "(THREAD, POST, MEMBER, ...), the tag, the thread kind, true/false for answered, or the "
        "industry, product, region or approval state as stored."
    )
    label: str | None = strawberry.field(description="A space's or account's name.")
    count: int


@strawberry.type(name="SearchFacet", description="How many hits have each value of a field.")
class SearchFacet:
    field: SearchFacetField
    values: list[SearchFacetValue]


@strawberry.type(
    name="SearchConnection",
    description="Hits, best first (most recent first for an empty query). Results end after "
    "1,000 hits.",
)
class SearchConnection:
    edges: list[SearchHitEdge]
    page_info: relay.PageInfo
    total_count: int = strawberry.field(description="Estimated number of hits, at most 1,000.")
    facets: list[SearchFacet] = strawberry.field(
        description="Counts over all hits (not just this page). Accounts: staff only."
    )


@strawberry.type(name="SearchTokenIndex")
class SearchTokenIndex:
    type: SearchType
    uid: str = strawberry.field(description="The Meilisearch index uid.")


@strawberry.type(
    name="SearchToken",
    description="A Meilisearch tenant token scoped to you: a frontend may query the listed "
    "indexes directly and sees only what you may see. Documents carry ids, not names.",
)
class SearchToken:
    token: str
    url: str
    indexes: list[SearchTokenIndex]
    expires_at: datetime
