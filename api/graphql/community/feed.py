"""A page of threads with the viewer's fields, loaded for the whole page in one round.

Each thread of a feed shows the viewer's read state and following state, the viewer's reactions,
its author with the author's account, and its last post's teaser with that post's author.
Resolved field by field, that is one DataLoader future per field per thread (some 200 per
page), each a task and a gather in graphql-core: more CPU than the SQL.
Instead the connection resolver loads what the query selects for all the page's threads, one
statement per kind (through the same DataLoaders, so their caches serve later fields too), and
hands the results to the nodes, whose resolvers then return plain values. A thread node built
anywhere else (node(), a mutation payload, a search hit) falls back to the loaders.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from api.graphql.context import Info
from domain.community import repository
from domain.community.models import Post, ReactionKind, Thread
from domain.community.repository import Teaser
from domain.identity.models import Account, Member
from domain.identity.policies import can_view_account_of


@dataclass
class FeedPage:
    """What was loaded for one page of threads; None: not selected, not loaded."""

    read_positions: dict[int, int] | None = None
    viewer_reactions: dict[int, list[ReactionKind]] | None = None
    following: dict[int, bool] | None = None
    teasers: dict[int, Teaser] | None = None  # by post id
    members: dict[int, Member] | None = None
    accounts: dict[int, Account] = field(default_factory=dict)


async def load_feed_page(info: Info, threads: Sequence[Thread]) -> FeedPage:
    """Loads, for `threads`, the per-thread fields the query selects under edges.node."""
    page = FeedPage()
    if not threads:
        return page
    selected = _node_selection(info.selected_fields)
    loaders = info.context.community
    ids = [thread.id for thread in threads]
    state_fields = {"unreadCount", "viewerIsFollowing", "lastPost"} & selected.keys()
    if len(state_fields) > 1:
        # Several of them: one joined statement for the page, primed into their loaders.
        await _load_viewer_state(info, page, ids, state_fields)
    elif "unreadCount" in selected:
        positions = await loaders.read_position_by_thread_id.load_many(ids)
        page.read_positions = dict(zip(ids, positions, strict=True))
    elif "viewerIsFollowing" in selected:
        following = await loaders.following_by_thread_id.load_many(ids)
        page.following = dict(zip(ids, following, strict=True))
    elif "lastPost" in selected:
        post_ids = sorted({t.last_post_id for t in threads if t.last_post_id is not None})
        teasers = await loaders.teaser_by_post_id.load_many(post_ids)
        page.teasers = {t.post_id: t for t in teasers if t is not None}
    if "viewerReactions" in selected:
        reactions = await loaders.viewer_reactions_by_thread_id.load_many(ids)
        page.viewer_reactions = dict(zip(ids, reactions, strict=True))
    people = {"author": "author_id", "lastPoster": "last_poster_id"}
    member_ids = {
        member_id
        for name, attribute in people.items()
        if name in selected
        for thread in threads
        if (member_id := getattr(thread, attribute)) is not None
    }
    people_selections = [selected[name] for name in people if name in selected]
    if page.teasers and "author" in selected["lastPost"]:
        member_ids.update(t.author_id for t in page.teasers.values())
        people_selections.append(selected["lastPost"]["author"])
    if member_ids:
        ordered = sorted(member_ids)
        members = await info.context.identity.member_by_id.load_many(ordered)
        page.members = {m.id: m for m in members if m is not None}
        if any("account" in fields for fields in people_selections):
            page.accounts = await _visible_accounts(info, page.members.values())
    return page


async def _load_viewer_state(info: Info, page: FeedPage, ids: list[int], fields: set[str]) -> None:
    actor = info.context.require_actor()
    loaders = info.context.community
    states = await repository.threads_viewer_state(info.context.session, actor.member_id, ids)
    for state in states:
        loaders.read_position_by_thread_id.prime(state.thread_id, state.read_position)
        loaders.following_by_thread_id.prime(state.thread_id, state.following)
        if state.teaser is not None:
            loaders.teaser_by_post_id.prime(state.teaser.post_id, state.teaser)
    by_thread = {state.thread_id: state for state in states}
    if "unreadCount" in fields:
        page.read_positions = {i: by_thread[i].read_position for i in ids}
    if "viewerIsFollowing" in fields:
        page.following = {i: by_thread[i].following for i in ids}
    if "lastPost" in fields:
        page.teasers = {s.teaser.post_id: s.teaser for s in states if s.teaser is not None}


async def load_post_page(info: Info, posts: Sequence[Post]) -> FeedPage:
    """The same for a page of posts (a thread page): authors and the viewer's reactions, keyed
    by post id."""
    page = FeedPage()
    if not posts:
        return page
    selected = _node_selection(info.selected_fields)
    if "viewerReactions" in selected:
        ids = [post.id for post in posts]
        reactions = await info.context.community.viewer_reactions_by_post_id.load_many(ids)
        page.viewer_reactions = dict(zip(ids, reactions, strict=True))
    if "author" in selected:
        ordered = sorted({post.author_id for post in posts})
        members = await info.context.identity.member_by_id.load_many(ordered)
        page.members = {m.id: m for m in members if m is not None}
        if "account" in selected["author"]:
            page.accounts = await _visible_accounts(info, page.members.values())
    return page


async def _visible_accounts(info: Info, members: Iterable[Member]) -> dict[int, Account]:
    """The accounts of these members the viewer may see (the others are never loaded)."""
    actor = info.context.require_actor()
    wanted = sorted({m.account_id for m in members if can_view_account_of(actor, m.account_id)})
    accounts = await info.context.identity.account_by_id.load_many(wanted)
    return {a.id: a for a in accounts if a is not None}


Tree = dict[str, "Tree"]


def _node_selection(selections: Sequence[Selection]) -> Tree:
    """The fields selected under <connection> { edges { node { ... } } }, by GraphQL name, each
    with its own sub-selection (fragments flattened)."""
    tree: Tree = {}
    for connection in selections:
        edges = _children(_flatten(connection.selections), "edges")
        _merge(tree, _children(_flatten(edges), "node"))
    return tree


def _flatten(selections: Sequence[Selection]) -> list[SelectedField]:
    fields: list[SelectedField] = []
    for selection in selections:
        if isinstance(selection, SelectedField):
            fields.append(selection)
        elif isinstance(selection, FragmentSpread | InlineFragment):
            fields.extend(_flatten(selection.selections))
    return fields


def _children(fields: Sequence[SelectedField], name: str) -> list[SelectedField]:
    return [child for f in fields if f.name == name for child in _flatten(f.selections)]


def _merge(tree: Tree, fields: Sequence[SelectedField]) -> None:
    for f in fields:
        _merge(tree.setdefault(f.name, {}), _flatten(f.selections))
