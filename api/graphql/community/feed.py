"""A page of threads with the viewer's fields, loaded for the whole page in one round.

Each thread of a feed shows the viewer's read state and following state, the viewer's reactions,
its author with the author's account, and its last post's teaser with that post's author.
Resolved field by field, that is one DataLoader future per field per thread (some 200 per
page), each a task and a gather in graphql-core: more CPU than the SQL.
Instead the connection resolver loads what the query selects for all the page's threads, one
statement per kind (through the same DataLoaders, so their caches serve later fields too), and
hands the results to the nodes, whose resolvers then return plain values. A thread node built
anywhere else (node(), a mutation payload, a search hit) falls back to the loaders.
What can come with the page's own statement does (queries.py): a space's feed reads each
thread's viewer state with it, a thread page each post's author.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from api.graphql.context import Info
from domain.community import repository
from domain.community.models import Post, ReactionKind, Thread
from domain.community.repository import Teaser, ThreadViewerState
from domain.identity.models import Account, Member
from domain.identity.policies import can_view_account_of

# The fields selected under a connection's nodes, by GraphQL name, with their sub-selections.
Tree = dict[str, "Tree"]


@dataclass
class FeedPage:
    """What was loaded for one page of threads; None: not selected, not loaded."""

    read_positions: dict[int, int] | None = None
    viewer_reactions: dict[int, list[ReactionKind]] | None = None
    following: dict[int, bool] | None = None
    teasers: dict[int, Teaser] | None = None  # by post id
    members: dict[int, Member] | None = None
    accounts: dict[int, Account] = field(default_factory=dict)


VIEWER_STATE_FIELDS = frozenset({"unreadCount", "viewerIsFollowing", "lastPost"})


def wants_viewer_state(selected: Tree) -> bool:
    """Whether a page of threads should be read with repository.with_viewer_state."""
    return not VIEWER_STATE_FIELDS.isdisjoint(selected)


async def load_feed_page(
    info: Info,
    threads: Sequence[Thread],
    selected: Tree | None = None,
    states: Sequence[ThreadViewerState] | None = None,
) -> FeedPage:
    """Loads, for `threads`, the per-thread fields the query selects under edges.node
    (`selected`: node_selection(info), if the caller has it). `states`: the viewer's state of
    these threads, if it was read with them."""
    page = FeedPage()
    if not threads:
        return page
    selected = node_selection(info) if selected is None else selected
    loaders = info.context.community
    ids = [thread.id for thread in threads]
    state_fields = VIEWER_STATE_FIELDS & selected.keys()
    if states is not None:
        _use_viewer_state(info, page, ids, states, state_fields)
    elif len(state_fields) > 1:
        # Several of them: one joined statement for the page, primed into their loaders.
        actor = info.context.require_actor()
        session = info.context.session
        states = await repository.threads_viewer_state(session, actor.member_id, ids)
        _use_viewer_state(info, page, ids, states, state_fields)
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


def _use_viewer_state(
    info: Info,
    page: FeedPage,
    ids: list[int],
    states: Sequence[ThreadViewerState],
    fields: frozenset[str],
) -> None:
    loaders = info.context.community
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


async def load_post_page(
    info: Info,
    posts: Sequence[Post],
    selected: Tree | None = None,
    authors: Sequence[Member] | None = None,
) -> FeedPage:
    """The same for a page of posts (a thread page): authors and the viewer's reactions, keyed
    by post id. `authors`: the posts' authors, if they were read with them."""
    page = FeedPage()
    if not posts:
        return page
    selected = node_selection(info) if selected is None else selected
    if "viewerReactions" in selected:
        ids = [post.id for post in posts]
        reactions = await info.context.community.viewer_reactions_by_post_id.load_many(ids)
        page.viewer_reactions = dict(zip(ids, reactions, strict=True))
    if "author" in selected:
        if authors is None:
            ordered = sorted({post.author_id for post in posts})
            loaded = await info.context.identity.member_by_id.load_many(ordered)
            authors = [m for m in loaded if m is not None]
        else:
            info.context.identity.prime_members(authors)
        page.members = {m.id: m for m in authors}
        if "account" in selected["author"]:
            page.accounts = await _visible_accounts(info, page.members.values())
    return page


async def _visible_accounts(info: Info, members: Iterable[Member]) -> dict[int, Account]:
    """The accounts of these members the viewer may see (the others are never loaded)."""
    actor = info.context.require_actor()
    wanted = sorted({m.account_id for m in members if can_view_account_of(actor, m.account_id)})
    accounts = await info.context.identity.account_by_id.load_many(wanted)
    return {a.id: a for a in accounts if a is not None}


def node_selection(info: Info) -> Tree:
    """The fields selected under <connection> { edges { node { ... } } }, by GraphQL name, each
    with its own sub-selection (fragments flattened)."""
    tree: Tree = {}
    for connection in info.selected_fields:
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
