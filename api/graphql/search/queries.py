import base64
import json
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

import strawberry
from sqlalchemy import select
from strawberry import relay
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

from api.graphql.advocacy.asset_types import CaseStudyNode, TestimonialNode
from api.graphql.advocacy.types import AdvocateProfileNode
from api.graphql.community.queries import (
    readable_posts_by_ids,
    readable_spaces_by_ids,
    readable_threads_by_ids,
)
from api.graphql.community.types import PostNode, ThreadNode
from api.graphql.context import Info
from api.graphql.feedback.types import IdeaNode
from api.graphql.identity.types import MemberNode
from api.graphql.relay import is_row_id
from api.graphql.search.types import (
    AdvocateProfileSearchHit,
    CaseStudySearchHit,
    IdeaSearchHit,
    MemberSearchHit,
    PostSearchHit,
    SearchConnection,
    SearchFacet,
    SearchFacetField,
    SearchFacetValue,
    SearchFilters,
    SearchHighlight,
    SearchHit,
    SearchHitEdge,
    SearchToken,
    SearchTokenIndex,
    SearchType,
    TestimonialSearchHit,
    ThreadSearchHit,
)
from domain.advocacy import models as advocacy_models
from domain.identity import policies as identity_policies
from domain.identity.models import Account, Member
from domain.identity.repository import members_statement
from domain.shared.models import utcnow
from search.engine import SearchIndex, suggest_request
from search.errors import SearchError, SearchErrorCode
from search.permissions import viewer_for
from search.query import DEFAULT_SUGGESTIONS, Hit, SearchRequest, SearchResult

MAX_FILTER_VALUES = 100
TOKEN_LIFETIME = timedelta(hours=1)
DEFAULT_PAGE = 20
SUGGESTION_TYPES = (SearchType.THREAD, SearchType.MEMBER)


def _index(info: Info) -> SearchIndex:
    request = info.context.request
    if request is None:
        raise RuntimeError("search runs within an HTTP request of the Bondfire app")
    index: SearchIndex = request.app.state.search
    return index


@strawberry.type
class SearchQueries:
    @strawberry.field(
        description="Full-text search over threads, replies and members you may see: prefix "
        "and typo tolerant, with highlights and facet counts. An empty query lists the most "
        "recent documents. Queries are at most 1,000 characters; words past the tenth are "
        "ignored."
    )
    async def search(
        self,
        info: Info,
        query: str = "",
        types: list[SearchType] | None = None,
        filters: SearchFilters | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> SearchConnection:
        actor = info.context.require_actor()
        offset = _offset(after)
        request = SearchRequest(
            query=query.strip(),
            types=_type_names(types),
            filters=_filters(filters),
            limit=DEFAULT_PAGE if first is None else first,
            offset=offset,
            facets=_selects(info, "facets"),
        )
        viewer = await viewer_for(info.context.session, actor)
        result = await _index(info).search(viewer, request)
        nodes = await _hydrated(info, result.hits)
        edges = [
            SearchHitEdge(cursor=_cursor(offset + position), node=node)
            for position, node in enumerate(nodes)
            if node is not None
        ]
        return SearchConnection(
            edges=edges,
            page_info=relay.PageInfo(
                has_next_page=result.has_more,
                has_previous_page=offset > 0,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=result.total,
            facets=await _facets(info, result),
        )

    @strawberry.field(
        description="Autocomplete for a search box: the last word is a prefix, matched on "
        "thread titles and member names and handles by default (reply text for POST)."
    )
    async def search_suggestions(
        self,
        info: Info,
        query: str,
        types: list[SearchType] | None = None,
        first: int = DEFAULT_SUGGESTIONS,
    ) -> list[SearchHit]:
        actor = info.context.require_actor()
        viewer = await viewer_for(info.context.session, actor)
        names = _type_names(types or list(SUGGESTION_TYPES))
        if not query.strip():
            return []
        result = await _index(info).search(viewer, suggest_request(query.strip(), names, first))
        return [node for node in await _hydrated(info, result.hits) if node is not None]

    @strawberry.field(
        description="A token for querying Meilisearch directly from the browser, scoped to you. "
        "Null when Bondfire uses its embedded search engine or no tenant key is configured."
    )
    async def search_token(self, info: Info) -> SearchToken | None:
        actor = info.context.require_actor()
        viewer = await viewer_for(info.context.session, actor)
        issued = _index(info).tenant_token(viewer, utcnow() + TOKEN_LIFETIME)
        if issued is None:
            return None
        return SearchToken(
            token=issued.token,
            url=issued.url,
            indexes=[
                SearchTokenIndex(type=SearchType(t), uid=u) for t, u in issued.indexes.items()
            ],
            expires_at=issued.expires_at,
        )


# --- input ----------------------------------------------------------------------------------


def _type_names(types: Sequence[SearchType] | None) -> tuple[str, ...] | None:
    return tuple(t.value for t in types) if types else None


def _filters(filters: SearchFilters | None) -> dict[str, tuple[Any, ...]]:
    if filters is None:
        return {}
    given: dict[str, tuple[Any, ...]] = {}
    ids = {
        "space": ("spaceIds", "Space", filters.space_ids),
        "thread": ("threadIds", "Thread", filters.thread_ids),
        "author": ("authorIds", "Member", filters.author_ids),
        "account": ("accountIds", "Account", filters.account_ids),
    }
    for name, (field, type_name, values) in ids.items():
        if values:
            given[name] = tuple(_id(v, type_name, field) for v in _capped(field, values))
    if filters.tags:
        given["tag"] = tuple(t.strip().lower() for t in _capped("tags", filters.tags))
    if filters.kinds:
        given["kind"] = tuple(k.value for k in _capped("kinds", filters.kinds))
    if filters.answered is not None:
        given["answered"] = (filters.answered,)
    named: dict[str, tuple[str, list[str] | None]] = {
        "industry": ("industries", filters.industries),
        "product": ("products", filters.products),
        "region": ("regions", filters.regions),
        "approval_state": ("approvalStates", filters.approval_states),
    }
    for name, (input_field, texts) in named.items():
        if texts:
            cleaned = (t.strip() for t in _capped(input_field, texts))
            # States are enum names (PUBLISHED); the others are matched as the facet shows them.
            given[name] = tuple(t.upper() if name == "approval_state" else t for t in cleaned)
    return given


def _capped(field: str, values: list[Any]) -> list[Any]:
    if len(values) > MAX_FILTER_VALUES:
        raise SearchError(
            f"at most {MAX_FILTER_VALUES} values per filter",
            code=SearchErrorCode.INVALID_FILTER,
            field=["filters", field],
        )
    return values


def _id(global_id: relay.GlobalID, type_name: str, field: str) -> int:
    if global_id.type_name != type_name or not is_row_id(global_id.node_id):
        raise SearchError(
            f"{field} takes {type_name} ids",
            code=SearchErrorCode.INVALID_FILTER,
            field=["filters", field],
        )
    return int(global_id.node_id)


def _cursor(position: int) -> str:
    return base64.urlsafe_b64encode(json.dumps(["search", position]).encode()).decode()


def _offset(after: str | None) -> int:
    if after is None:
        return 0
    try:
        kind, position = json.loads(base64.urlsafe_b64decode(after.encode()))
    except (ValueError, TypeError) as error:
        raise SearchError("`after` is not a search cursor", field=["after"]) from error
    if kind != "search" or not isinstance(position, int) or position < 0:
        raise SearchError("`after` is not a search cursor", field=["after"])
    return position + 1


def _selects(info: Info, name: str) -> bool:
    def walk(selections: Iterable[Any]) -> bool:
        for selection in selections:
            if isinstance(selection, SelectedField) and selection.name == name:
                return True
            if isinstance(selection, FragmentSpread | InlineFragment) and walk(
                selection.selections
            ):
                return True
        return False

    return any(
        walk(field.selections) for field in info.selected_fields if isinstance(field, SelectedField)
    )


# --- output ---------------------------------------------------------------------------------


async def _hydrated(info: Info, hits: Sequence[Hit]) -> list[Any]:
    """The hits' objects, loaded through the readable statements: a hit the index still has
    but the viewer may no longer open (an enrolment ended a moment ago) is dropped."""
    wanted: dict[str, list[int]] = {}
    for hit in hits:
        wanted.setdefault(hit.type, []).append(hit.id)
    threads = await readable_threads_by_ids(info, wanted["thread"]) if "thread" in wanted else {}
    posts = await readable_posts_by_ids(info, wanted["post"]) if "post" in wanted else {}
    members = await _readable_members(info, wanted["member"]) if "member" in wanted else {}
    ideas = await info.context.feedback.readable_idea_by_id.load_many(wanted.get("idea", []))
    idea_by_id = {idea.id: idea for idea in ideas if idea is not None}
    advocacy = {
        name: await _readable_advocacy(info, model, wanted.get(name, []))
        for name, model in ADVOCACY_MODELS.items()
    }
    nodes: list[Any] = []
    for hit in hits:
        highlights = [SearchHighlight(field=h.field, snippet=h.snippet) for h in hit.highlights]
        if hit.type == "thread" and (thread := threads.get(hit.id)):
            nodes.append(
                ThreadSearchHit(thread=ThreadNode.from_model(thread), highlights=highlights)
            )
        elif hit.type == "post" and (post := posts.get(hit.id)):
            info.context.community.post_by_id.prime(post.id, post)
            nodes.append(PostSearchHit(post=PostNode.from_model(post), highlights=highlights))
        elif hit.type == "member" and (member := members.get(hit.id)):
            nodes.append(
                MemberSearchHit(member=MemberNode.from_model(member), highlights=highlights)
            )
        elif hit.type == "idea" and (idea := idea_by_id.get(hit.id)):
            nodes.append(IdeaSearchHit(idea=IdeaNode.from_model(idea), highlights=highlights))
        elif hit.type == "case_study" and (study := advocacy["case_study"].get(hit.id)):
            nodes.append(
                CaseStudySearchHit(
                    case_study=CaseStudyNode.from_model(study), highlights=highlights
                )
            )
        elif hit.type == "testimonial" and (quote := advocacy["testimonial"].get(hit.id)):
            nodes.append(
                TestimonialSearchHit(
                    testimonial=TestimonialNode.from_model(quote), highlights=highlights
                )
            )
        elif hit.type == "advocate_profile" and (
            profile := advocacy["advocate_profile"].get(hit.id)
        ):
            nodes.append(
                AdvocateProfileSearchHit(
                    advocate_profile=AdvocateProfileNode.from_model(profile),
                    highlights=highlights,
                )
            )
        else:
            nodes.append(None)
    return nodes


ADVOCACY_MODELS: dict[str, type] = {
    "case_study": advocacy_models.CaseStudy,
    "testimonial": advocacy_models.Testimonial,
    "advocate_profile": advocacy_models.AdvocateProfile,
}


async def _readable_advocacy(info: Info, model: type, ids: Sequence[int]) -> dict[int, Any]:
    """Through domain.advocacy.policies.readable, as every advocacy surface loads them."""
    if not ids:
        return {}
    found = await info.context.advocacy.readable(model).load_many(ids)
    return {row.id: row for row in found if row is not None}


async def _readable_members(info: Info, ids: Sequence[int]) -> dict[int, Member]:
    actor = info.context.require_actor()
    rows = await info.context.session.scalars(
        identity_policies.discoverable_members(actor, members_statement().where(Member.id.in_(ids)))
    )
    return {member.id: member for member in rows}


async def _facets(info: Info, result: SearchResult) -> list[SearchFacet]:
    labels: dict[str, dict[str, str]] = {}
    if spaces := result.facets.get("space"):
        found = await readable_spaces_by_ids(info, [int(v) for v in spaces])
        labels["space"] = {str(i): s.name for i, s in found.items()}
    if accounts := result.facets.get("account"):
        rows = await info.context.session.execute(
            select(Account.id, Account.name).where(Account.id.in_([int(v) for v in accounts]))
        )
        labels["account"] = {str(i): name for i, name in rows.all()}
    facets = []
    for name, counts in result.facets.items():
        field = SearchFacetField(name)
        values = [
            SearchFacetValue(
                value=_facet_value(field, value), label=labels.get(name, {}).get(value), count=n
            )
            for value, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        ]
        facets.append(SearchFacet(field=field, values=values))
    return facets


def _facet_value(field: SearchFacetField, value: str) -> str:
    if field is SearchFacetField.SPACE:
        return str(relay.GlobalID("Space", value))
    if field is SearchFacetField.ACCOUNT:
        return str(relay.GlobalID("Account", value))
    if field is SearchFacetField.TYPE:
        return SearchType(value).name
    return value
