"""The lean execution path (api/graphql/execution.py) answers exactly as graphql-core.

Every operation runs twice through the same schema: with LeanExecutionContext and with
strawberry's stock StrawberryGraphQLCoreExecutionContext; data and errors (messages, paths,
locations, codes) must be equal, and resolvers must have run the same number of times. The forum
pages must also leave graphql-core's own per-field path only to the fields that need it."""

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import strawberry
from graphql import get_introspection_query
from graphql.execution import Executor
from strawberry.extensions import SchemaExtension
from strawberry.permission import BasePermission
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

import api.app
from api.graphql.execution import LeanExecutionContext
from domain.community.services import reading
from domain.identity import policies as identity_policies
from domain.identity.models import AccountKind, ProfileVisibility, Role
from domain.identity.policies import actor_for
from domain.shared.errors import Forbidden
from domain.shared.models import utcnow
from tests.support.community import create_space, create_thread
from tests.support.factories import create_account, create_member, create_vendor
from tests.support.graphql import bearer, gql
from tests.support.ids import global_id

OPERATIONS = Path(__file__).resolve().parents[2] / "frontend-contract" / "operations"
CATEGORY_PAGE = (OPERATIONS / "ForumCategoryPage.graphql").read_text()
TOPIC_PAGE = (OPERATIONS / "ForumTopicPage.graphql").read_text()
# Fragments, aliases, __typename, a field selected twice (merged), privacy-dependent nulls,
# objects that come preloaded or through a DataLoader, lists of enums.
SHAPES = """
query Shapes($slug: String!) {
  space(slug: $slug) {
    __typename
    name
    threads(first: 10) {
      __typename
      edges {
        cursor
        node {
          ...ThreadBits
          author { handle avatarUrl }
          again: author { handle }
        }
      }
      pageInfo { ...Paging }
      paging: pageInfo { hasPreviousPage startCursor }
    }
  }
}
fragment ThreadBits on Thread {
  __typename
  id
  title
  author { __typename ...Person roles account { name } }
  writer: author { name title productsUsed }
  lastPost { __typename postId number author { ...Person } }
  lastPoster { handle email }
  viewerIsFollowing
  unreadCount
  viewerReactions
}
fragment Person on Member { id handle name avatarUrl title email }
fragment Paging on PageInfo { hasNextPage endCursor }
"""


@pytest.fixture
def app(settings, engine, session_factory, monkeypatch):  # type: ignore[no-untyped-def]
    """The real app, with its schema at hand (app.state.test_schema) to swap the context."""
    schemas = []
    build_schema = api.app.build_schema

    def keep(settings):  # type: ignore[no-untyped-def]
        schemas.append(build_schema(settings))
        return schemas[-1]

    monkeypatch.setattr(api.app, "build_schema", keep)
    app = api.app.create_app(
        settings, engine=engine, session_factory=session_factory, configure_logs=False
    )
    (app.state.test_schema,) = schemas
    assert app.state.test_schema.execution_context_class is LeanExecutionContext
    return app


@pytest.fixture
async def forum(session):  # type: ignore[no-untyped-def]
    """Threads by members of two customer accounts, one of them private about its profile."""
    vendor = await create_vendor(session)
    acme = await create_account(session, name="Acme")
    globex = await create_account(session, name="Globex")
    admin = await create_member(session, vendor, {Role.ADMIN}, name="Ada Admin")
    casey = await create_member(session, acme, name="Casey", handle="casey")
    dana = await create_member(session, acme, name="Dana", handle="dana", title="Lead")
    erin = await create_member(
        session,
        globex,
        name="Erin",
        handle="erin",
        title="CTO",
        products_used=["sync"],
        profile_visibility=ProfileVisibility.ACCOUNT,
    )
    space = await create_space(session)
    followed = await create_thread(session, space, dana.id, replies=2)
    followed.tags = ["a", "b"]
    own = await create_thread(session, space, casey.id)
    private = await create_thread(session, space, erin.id, replies=1)
    bare = await create_thread(session, space, dana.id, replies=1)
    bare.last_post_id = None  # a thread without a visible post: lastPost is null
    viewer = actor_for(casey, AccountKind.CUSTOMER)
    await reading.mark_read(session, viewer, utcnow(), followed.id, 1)
    await reading.watch_thread(session, viewer, followed.id, True)
    await session.commit()
    return {
        "people": {"admin": admin, "casey": casey, "erin": erin},
        "space": space,
        "threads": [followed, own, private],
    }


def comparable(body: dict[str, Any]) -> dict[str, Any]:
    """The body without the per-request id the error mapping adds."""
    errors = [
        {
            **error,
            "extensions": {
                k: v for k, v in error.get("extensions", {}).items() if k != "requestId"
            },
        }
        for error in body.get("errors") or []
    ]
    return {"data": body.get("data"), "errors": errors}


async def lean_and_stock(app, client, query, variables, token):  # type: ignore[no-untyped-def]
    schema = app.state.test_schema
    lean = await gql(client, query, variables, token=token)
    schema.execution_context_class = StrawberryGraphQLCoreExecutionContext
    try:
        stock = await gql(client, query, variables, token=token)
    finally:
        schema.execution_context_class = LeanExecutionContext
    return comparable(lean), comparable(stock)


def operations(forum) -> list[tuple[str, dict[str, Any]]]:  # type: ignore[no-untyped-def]
    slug = forum["space"].slug
    return [
        (CATEGORY_PAGE, {"slug": slug}),
        (SHAPES, {"slug": slug}),
        *[(TOPIC_PAGE, {"id": global_id("Thread", t.id)}) for t in forum["threads"]],
    ]


@pytest.mark.parametrize("viewer", ["casey", "admin", None])
async def test_forum_operations_answer_as_graphql_core(app, client, forum, viewer):
    token = bearer(app, forum["people"][viewer]) if viewer else None
    for query, variables in operations(forum):
        lean, stock = await lean_and_stock(app, client, query, variables, token)
        assert lean == stock
        if viewer:  # something was answered (anonymous readers get an error at the root)
            assert lean["data"] and not lean["errors"]
        else:
            assert lean["errors"]
    if viewer:  # the page had a null object (the bare thread's lastPost) to complete
        body = await gql(client, CATEGORY_PAGE, {"slug": forum["space"].slug}, token=token)
        edges = body["data"]["space"]["threads"]["edges"]
        assert None in [edge["node"]["lastPost"] for edge in edges]


async def test_field_errors_come_out_once_with_graphql_cores_paths_and_nulls(
    app, client, forum, monkeypatch
):
    # given profile details that fail for one member: `title` is nullable, `productsUsed` is not
    def failing(actor, member):  # type: ignore[no-untyped-def]
        if member.handle == "erin":
            raise Forbidden(f"the profile of {member.handle} is sealed")
        return True

    monkeypatch.setattr(identity_policies, "can_view_profile", failing)
    token = bearer(app, forum["people"]["casey"])
    # when
    lean, stock = await lean_and_stock(app, client, SHAPES, {"slug": forum["space"].slug}, token)
    # then
    assert lean == stock
    paths = [error["path"] for error in lean["errors"]]
    assert len(paths) == len({tuple(path) for path in paths})  # each reported once
    by_field = Counter(path[-1] for path in paths)
    assert by_field["title"] and by_field["productsUsed"]
    writers = [e["node"]["writer"] for e in lean["data"]["space"]["threads"]["edges"]]
    assert None in writers  # the non-null productsUsed nulled its (nullable) parent
    assert {error["message"] for error in lean["errors"]} == {"the profile of erin is sealed"}


def graphql_core_fields(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    """The fields that reach graphql-core's own execute_field, as Type.field."""
    seen: list[str] = []
    execute_field = Executor.execute_field

    def spy(self, parent_type, source, field_details_list, path, position_context):  # type: ignore[no-untyped-def]
        seen.append(f"{parent_type.name}.{field_details_list[0].node.name.value}")
        return execute_field(self, parent_type, source, field_details_list, path, position_context)

    monkeypatch.setattr(Executor, "execute_field", spy)
    return seen


async def test_forum_pages_leave_graphql_core_only_root_argument_and_async_fields(
    app, client, forum, monkeypatch
):
    token = bearer(app, forum["people"]["casey"])
    seen = graphql_core_fields(monkeypatch)
    await gql(client, CATEGORY_PAGE, {"slug": forum["space"].slug}, token=token)
    assert seen == ["Query.space", "Space.threads"]
    seen.clear()
    await gql(client, TOPIC_PAGE, {"id": global_id("Thread", forum["threads"][0].id)}, token=token)
    assert sorted(seen) == ["Query.node", "Thread.posts", "Thread.space"]
    # while the stock context takes every field there
    seen.clear()
    app.state.test_schema.execution_context_class = StrawberryGraphQLCoreExecutionContext
    await gql(client, CATEGORY_PAGE, {"slug": forum["space"].slug}, token=token)
    assert len(seen) > 50


# --- edge cases a forum page does not reach, on a schema of their own ----------------------

CALLS: Counter[str] = Counter()


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Child(Named):  # implements an interface: strawberry gives it an is_type_of check
    name: str

    @strawberry.field
    def shout(self) -> str | None:
        CALLS["shout"] += 1
        if self.name == "boom":
            raise ValueError("boom!")
        return self.name.upper()

    @strawberry.field
    def must(self) -> str:
        CALLS["must"] += 1
        if self.name == "bang":
            raise ValueError("bang!")
        return self.name

    @strawberry.field
    async def slow_must(self) -> str:
        CALLS["slow_must"] += 1
        if self.name == "boom":
            raise ValueError("slow boom!")
        return self.name


@strawberry.type
class Stranger:
    name: str


class OnlyOpen(BasePermission):
    message = "closed"

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        CALLS["permission"] += 1
        return bool(source.open)


@strawberry.type
class Item:
    open: bool
    child: Child | None
    kid: Child
    kids: list[Child | None]
    strict_kids: list[Child]
    tagged: list[str] = strawberry.field(default_factory=lambda: ["t", "u"])
    secret: str | None = strawberry.field(default="s", permission_classes=[OnlyOpen])

    @strawberry.field
    def pick(self) -> Child | None:
        CALLS["pick"] += 1
        return self.child

    @strawberry.field(graphql_type=Child | None)
    def later(self) -> Any:
        CALLS["later"] += 1

        async def load() -> Child | None:
            return self.child

        return load()

    @strawberry.field(permission_classes=[OnlyOpen])
    def guarded(self) -> Child:
        CALLS["guarded"] += 1
        return self.kid

    @strawberry.field(graphql_type=Child | None)
    def wrong(self) -> Any:
        CALLS["wrong"] += 1
        return Stranger(name="x")

    @strawberry.field
    def fails(self) -> Child | None:
        CALLS["fails"] += 1
        raise ValueError("no child")

    @strawberry.field
    def count(self) -> int:
        CALLS["count"] += 1
        return len(self.kids)

    @strawberry.field(graphql_type=int | None)
    def bad_count(self) -> Any:
        CALLS["bad_count"] += 1
        return "many"

    @strawberry.field(graphql_type=Child)
    def lost(self) -> Any:
        CALLS["lost"] += 1
        return None

    @strawberry.field
    def children(self) -> list[Child | None]:
        CALLS["children"] += 1
        return self.kids

    @strawberry.field
    def labels(self) -> list[str]:
        CALLS["labels"] += 1
        return ["x", "y"]

    @strawberry.field
    def tags(self) -> list[str]:
        CALLS["tags"] += 1
        return ("a", "b")  # type: ignore[return-value]  # an iterable, not a list


def _items() -> list[Item | None]:
    a, boom, bang = Child(name="a"), Child(name="boom"), Child(name="bang")
    return [
        Item(open=True, child=a, kid=a, kids=[a, None], strict_kids=[a]),
        Item(open=False, child=None, kid=bang, kids=[], strict_kids=[a, None]),  # type: ignore[list-item]
        Item(open=True, child=boom, kid=a, kids=[boom], strict_kids=[]),
        None,
    ]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item | None]:
        return _items()

    @strawberry.field
    def item(self) -> Item:
        return _items()[1]  # type: ignore[return-value]


class EveryResolver(SchemaExtension):
    """Wraps every resolver: graphql-core's middleware, which the lean path leaves alone."""

    def resolve(self, _next, root, info, *args, **kwargs):  # type: ignore[no-untyped-def]
        return _next(root, info, *args, **kwargs)


EDGE_CASES = [
    "{ items { open child { name shout } kid { name must } kids { name shout } } }",
    "{ items { strictKids { name } } }",
    "{ items { pick { name } later { name shout } wrong { name } fails { name } } }",
    "{ items { secret guarded { name } } }",
    "{ items { count badCount tags } }",
    "{ items { children { name shout } } }",
    "{ items { open lost { name } } }",
    "{ items { pick { slowMust } child { slowMust } kids { slowMust } } }",
    "{ item { kid { must } } }",
    "{ items { __typename ...F a: pick { __typename n: name } pick { shout } } }"
    " fragment F on Item { pick { name } child { ... on Named { name } } kid { ...N } }"
    " fragment N on Child { must }",
    "{ items { pick @include(if: true) { name } child @skip(if: false) { name } } }",
    "{ items { open count badCount ...G } } fragment G on Item { open count badCount }",
    get_introspection_query(descriptions=True),  # graphql-core's own resolvers and types
]


async def execute(schema: strawberry.Schema, query: str) -> tuple[dict[str, Any], Counter[str]]:
    CALLS.clear()
    result = await schema.execute(query)
    errors = [error.formatted for error in result.errors or []]
    return {"data": result.data, "errors": errors}, Counter(CALLS)


@pytest.mark.parametrize("extensions", [[], [EveryResolver]], ids=["plain", "middleware"])
async def test_edge_cases_answer_as_graphql_core_and_resolve_once(extensions):
    lean_schema = strawberry.Schema(
        Query, execution_context_class=LeanExecutionContext, extensions=extensions
    )
    stock_schema = strawberry.Schema(Query, extensions=extensions)
    reported = 0
    for query in EDGE_CASES:
        lean, lean_calls = await execute(lean_schema, query)
        stock, stock_calls = await execute(stock_schema, query)
        assert lean == stock, query
        assert lean_calls == stock_calls, query
        reported += len(lean["errors"])
    assert reported >= 10  # the failures were reported, not silently answered


async def test_edge_case_fields_take_the_short_path():
    schema = strawberry.Schema(Query, execution_context_class=LeanExecutionContext)
    await schema.execute("{ items { pick { name } child { name } kids { name } count } }")
    fields = schema._schema.type_map["Item"].fields  # type: ignore[attr-defined]
    planned = {name: getattr(field, "_bondfire_lean_plan", None) for name, field in fields.items()}
    assert all(planned[name] is not None for name in ("pick", "child", "kids", "count"))


INCREMENTAL = [
    "{ items { pick { name ... @defer { shout slowMust } } } }",
    "{ items { ... @defer { child { name shout } } kid { name } } }",
    "{ items { ... @defer { pick { name ... @defer { shout } } } } }",
    "{ items { kids @stream(initialCount: 1) { name } labels @stream(initialCount: 1) } }",
    "{ items { strictKids @stream(initialCount: 0) { name } tagged @stream(initialCount: 1) } }",
]


async def frames(schema: strawberry.Schema, query: str) -> list[Any]:
    result = await schema.execute(query)
    delivered = [result.initial_result.formatted]  # type: ignore[union-attr]
    async for later in result.subsequent_results:  # type: ignore[union-attr]
        delivered.append(later.formatted)
    return delivered


async def test_deferred_and_streamed_work_is_delivered_as_graphql_core_does():
    config = StrawberryConfig(enable_experimental_incremental_execution=True)
    lean = strawberry.Schema(Query, execution_context_class=LeanExecutionContext, config=config)
    stock = strawberry.Schema(Query, config=config)
    for query in INCREMENTAL:
        delivered = await frames(lean, query)
        assert delivered == await frames(stock, query), query
        assert len(delivered) > 1  # something came later
