from collections.abc import Awaitable
from datetime import datetime
from typing import Self

import strawberry
from strawberry import relay

from api.graphql.community.feed import FeedPage
from api.graphql.context import Info
from api.graphql.errors import UserError
from api.graphql.identity.types import MemberNode
from api.graphql.relay import node_ints
from domain.community import models, policies
from domain.community.errors import CommunityErrorCode
from domain.community.models import PostStatus, ReactionKind, SpaceVisibility, ThreadKind
from domain.community.repository import Teaser, ThreadOrder
from domain.shared.errors import Problem

strawberry.enum(SpaceVisibility, description="Who can read a space.")
strawberry.enum(ThreadKind)
strawberry.enum(PostStatus, description="HELD: awaiting review; HIDDEN: hidden by a moderator.")
strawberry.enum(ReactionKind, description="The fixed reaction set; one of each per member.")
strawberry.enum(CommunityErrorCode)


strawberry.enum(
    ThreadOrder,
    description="LATEST_ACTIVITY: pinned first, then by last post; NEWEST: by creation; "
    "UNANSWERED: questions without an accepted answer, newest first; TOP: most reactions in "
    "the chosen period.",
)


@strawberry.type
class CommunityUserError(UserError):
    code: CommunityErrorCode

    @classmethod
    def from_problems(cls, problems: list[Problem]) -> list["CommunityUserError"]:
        return [
            cls(field=p.field, message=p.message, code=CommunityErrorCode(p.code)) for p in problems
        ]


async def _member(info: Info, member_id: int | None) -> MemberNode | None:
    if member_id is None:
        return None
    member = await info.context.identity.member_by_id.load(member_id)
    return MemberNode.from_model(member) if member else None


def _person(
    info: Info, page: FeedPage | None, member_id: int | None
) -> MemberNode | None | Awaitable[MemberNode | None]:
    """A member from the feed page's preloaded rows, else through the DataLoader."""
    if member_id is None:
        return None
    if page is None or page.members is None:
        return _member(info, member_id)
    member = page.members.get(member_id)
    if member is None:
        return None
    return MemberNode.from_model(member, page.accounts.get(member.account_id))


@strawberry.type(
    name="PostTeaser", description="What a thread list shows of a post: who, when, a snippet."
)
class PostTeaser:
    number: int = strawberry.field(description="Position in the thread; 1 is the opening post.")
    excerpt: str = strawberry.field(
        description="Plain text (not HTML) of the post, quotes left out, at most 240 characters "
        "plus an ellipsis. Escape it when rendering."
    )
    created_at: datetime
    teaser: strawberry.Private[Teaser]
    page: strawberry.Private[FeedPage | None] = None

    @classmethod
    def from_teaser(cls, teaser: Teaser, page: FeedPage | None = None) -> Self:
        return cls(
            number=teaser.number,
            excerpt=teaser.excerpt,
            created_at=teaser.created_at,
            teaser=teaser,
            page=page,
        )

    @strawberry.field(description="The post's global id (a `Post`).")
    def post_id(self) -> strawberry.ID:
        return strawberry.ID(relay.to_base64("Post", self.teaser.post_id))

    @strawberry.field(graphql_type=MemberNode | None)
    def author(self, info: Info) -> MemberNode | None | Awaitable[MemberNode | None]:
        return _person(info, self.page, self.teaser.author_id)


@strawberry.type(name="PostRevision", description="The text a post had before an edit.")
class PostRevisionType:
    body_markdown: str
    created_at: datetime = strawberry.field(description="When it was replaced.")
    editor_id: strawberry.Private[int]

    @strawberry.field
    async def editor(self, info: Info) -> MemberNode | None:
        return await _member(info, self.editor_id)


@strawberry.type(name="ReactionCount")
class ReactionCount:
    kind: ReactionKind
    count: int


@strawberry.type(name="Space", description="A forum category with one visibility rule.")
class SpaceNode(relay.Node):
    id: relay.NodeID[int]
    slug: str
    name: str
    description: str | None
    visibility: SpaceVisibility
    thread_count: int
    last_activity_at: datetime | None
    model: strawberry.Private[models.Space]

    @classmethod
    def from_model(cls, space: models.Space) -> Self:
        return cls(
            id=space.id,
            slug=space.slug,
            name=space.name,
            description=space.description,
            visibility=space.visibility,
            thread_count=space.thread_count,
            last_activity_at=space.last_activity_at,
            model=space,
        )

    @strawberry.field(description="The enclosing space, for a sub-space.")
    async def parent(self, info: Info) -> "SpaceNode | None":
        if self.model.parent_id is None:
            return None
        info.context.require_actor()
        parent = await info.context.community.readable_space_by_id.load(self.model.parent_id)
        return SpaceNode.from_model(parent) if parent else None

    @strawberry.field(description="Threads in this space, 20 per page by default.")
    async def threads(
        self,
        info: Info,
        order: ThreadOrder = ThreadOrder.LATEST_ACTIVITY,
        top_period_days: int = 30,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> "ThreadConnection":
        from api.graphql.community.queries import space_threads

        return await space_threads(
            info, self.model, order, top_period_days, first, after, last, before
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # async form of strawberry's overloads
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        from api.graphql.community.queries import readable_spaces_by_ids

        found = await readable_spaces_by_ids(info, node_ints(node_ids))
        return [cls.from_model(found[i]) if i in found else None for i in node_ints(node_ids)]


@strawberry.type(name="Thread", description="A discussion, question, announcement or idea link.")
class ThreadNode(relay.Node):
    id: relay.NodeID[int]
    kind: ThreadKind
    title: str
    tags: list[str]
    pinned: bool
    locked: bool
    closed: bool
    hidden: bool = strawberry.field(description="Hidden by a moderator or held for review.")
    post_count: int
    reply_count: int
    reaction_count: int = strawberry.field(description="Reactions to the opening post.")
    view_count: int = strawberry.field(
        description="Times the thread's first page was read; added to every few seconds, so "
        "a view shows up shortly after it happened."
    )
    created_at: datetime
    last_activity_at: datetime
    model: strawberry.Private[models.Thread]
    # Set on the threads of a feed page (feed.py): the viewer's fields, loaded page-wide.
    page: strawberry.Private[FeedPage | None] = None

    @classmethod
    def from_model(cls, thread: models.Thread, page: FeedPage | None = None) -> Self:
        return cls(
            id=thread.id,
            kind=thread.kind,
            title=thread.title,
            tags=list(thread.tags),
            pinned=thread.pinned,
            locked=thread.locked,
            closed=thread.closed,
            hidden=thread.hidden,
            post_count=thread.post_count,
            reply_count=thread.reply_count,
            reaction_count=thread.reaction_count,
            view_count=thread.view_count,
            created_at=thread.created_at,
            last_activity_at=thread.last_activity_at,
            model=thread,
            page=page,
        )

    # The fields a feed page preloads are plain (not async) resolvers: a value from the page
    # when there is one, else the DataLoader's awaitable. graphql-core runs a plain resolver
    # several times cheaper than an async one.
    @strawberry.field(graphql_type=MemberNode | None)
    def author(self, info: Info) -> MemberNode | None | Awaitable[MemberNode | None]:
        return _person(info, self.page, self.model.author_id)

    @strawberry.field(graphql_type=MemberNode | None)
    def last_poster(self, info: Info) -> MemberNode | None | Awaitable[MemberNode | None]:
        return _person(info, self.page, self.model.last_poster_id)

    @strawberry.field(
        description="The newest post every reader of the thread sees (the opening post if "
        "there is no visible reply); null if there is none.",
        graphql_type=PostTeaser | None,
    )
    def last_post(self, info: Info) -> PostTeaser | None | Awaitable[PostTeaser | None]:
        post_id = self.model.last_post_id
        if post_id is None:
            return None
        if self.page is not None and self.page.teasers is not None:
            teaser = self.page.teasers.get(post_id)
            return PostTeaser.from_teaser(teaser, self.page) if teaser else None
        return self._last_post(info, post_id)

    async def _last_post(self, info: Info, post_id: int) -> PostTeaser | None:
        teaser = await info.context.community.teaser_by_post_id.load(post_id)
        return PostTeaser.from_teaser(teaser) if teaser else None

    @strawberry.field(
        description="Whether you watch this thread (notified of replies).", graphql_type=bool
    )
    def viewer_is_following(self, info: Info) -> bool | Awaitable[bool]:
        info.context.require_actor()
        if self.page is not None and self.page.following is not None:
            return self.page.following[self.model.id]
        return info.context.community.following_by_thread_id.load(self.model.id)

    @strawberry.field
    async def space(self, info: Info) -> SpaceNode | None:
        space = await info.context.community.space_by_id.load(self.model.space_id)
        return SpaceNode.from_model(space) if space else None

    @strawberry.field(description="The accepted answer of a question, if one was chosen.")
    async def accepted_answer(self, info: Info) -> "PostNode | None":
        if self.model.accepted_post_id is None:
            return None
        return await _visible_post(info, self.model.accepted_post_id)

    @strawberry.field(
        description="Your reactions to the opening post.", graphql_type=list[ReactionKind]
    )
    def viewer_reactions(self, info: Info) -> list[ReactionKind] | Awaitable[list[ReactionKind]]:
        info.context.require_actor()
        if self.page is not None and self.page.viewer_reactions is not None:
            return self.page.viewer_reactions[self.model.id]
        return info.context.community.viewer_reactions_by_thread_id.load(self.model.id)

    @strawberry.field(
        description="How many posts you have not read yet (0: all read).", graphql_type=int
    )
    def unread_count(self, info: Info) -> int | Awaitable[int]:
        info.context.require_actor()
        if self.page is not None and self.page.read_positions is not None:
            return max(0, self.model.post_count - self.page.read_positions[self.model.id])
        return self._unread_count(info)

    async def _unread_count(self, info: Info) -> int:
        position = await info.context.community.read_position_by_thread_id.load(self.model.id)
        return max(0, self.model.post_count - position)

    @strawberry.field(description="The posts, in order; the first is the opening post.")
    async def posts(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> "PostConnection":
        from api.graphql.community.queries import thread_posts

        return await thread_posts(info, self.model, first, after, last, before)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # async form of strawberry's overloads
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        from api.graphql.community.queries import readable_threads_by_ids

        found = await readable_threads_by_ids(info, node_ints(node_ids))
        return [cls.from_model(found[i]) if i in found else None for i in node_ints(node_ids)]


@strawberry.type(name="Post", description="A post in a thread: the opening post or a reply.")
class PostNode(relay.Node):
    id: relay.NodeID[int]
    number: int = strawberry.field(description="Position in the thread; 1 is the opening post.")
    body_html: str = strawberry.field(description="Sanitized HTML rendered from the Markdown.")
    body_markdown: str
    excerpt: str = strawberry.field(
        description="Plain text of the post for previews, quotes left out, at most 240 "
        "characters plus an ellipsis. Escape it when rendering."
    )
    status: PostStatus
    reaction_count: int
    created_at: datetime
    edited_at: datetime | None
    deleted: bool
    model: strawberry.Private[models.Post]
    # Set on the posts of a thread page (feed.load_post_page): author and viewer's reactions.
    page: strawberry.Private[FeedPage | None] = None

    @classmethod
    def from_model(cls, post: models.Post, page: FeedPage | None = None) -> Self:
        return cls(
            id=post.id,
            number=post.number,
            body_html=post.body_html,
            body_markdown=post.body_markdown,
            excerpt=post.excerpt,
            status=post.status,
            reaction_count=post.reaction_count,
            created_at=post.created_at,
            edited_at=post.edited_at,
            deleted=post.deleted_at is not None,
            model=post,
            page=page,
        )

    @strawberry.field(graphql_type=MemberNode | None)
    def author(self, info: Info) -> MemberNode | None | Awaitable[MemberNode | None]:
        return _person(info, self.page, self.model.author_id)

    @strawberry.field(description="The post this one replies to (replies nest one level).")
    async def parent(self, info: Info) -> "PostNode | None":
        return await _visible_post(info, self.model.parent_id)

    @strawberry.field(description="The post quoted at the top of this one.")
    async def quoted_post(self, info: Info) -> "PostNode | None":
        return await _visible_post(info, self.model.quoted_post_id)

    @strawberry.field
    async def thread(self, info: Info) -> ThreadNode | None:
        thread = await info.context.community.thread_by_id.load(self.model.thread_id)
        return ThreadNode.from_model(thread) if thread else None

    @strawberry.field(description="Counts per reaction kind (kinds with none are left out).")
    async def reactions(self, info: Info) -> list[ReactionCount]:
        counts = await info.context.community.reaction_counts_by_post_id.load(self.model.id)
        return [ReactionCount(kind=k, count=c) for k, c in sorted(counts.items())]

    @strawberry.field(graphql_type=list[ReactionKind])
    def viewer_reactions(self, info: Info) -> list[ReactionKind] | Awaitable[list[ReactionKind]]:
        info.context.require_actor()
        if self.page is not None and self.page.viewer_reactions is not None:
            return self.page.viewer_reactions[self.model.id]
        return info.context.community.viewer_reactions_by_post_id.load(self.model.id)

    @strawberry.field(
        description="Earlier versions, newest first. For the author and moderators; null else."
    )
    async def revisions(self, info: Info) -> list[PostRevisionType] | None:
        actor = info.context.require_actor()
        if not policies.can_see_revisions(actor, self.model):
            return None
        rows = await info.context.community.revisions_by_post_id.load(self.model.id)
        return [
            PostRevisionType(
                body_markdown=r.body_markdown, created_at=r.created_at, editor_id=r.editor_id
            )
            for r in rows
        ]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # async form of strawberry's overloads
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        from api.graphql.community.queries import readable_posts_by_ids

        found = await readable_posts_by_ids(info, node_ints(node_ids))
        return [cls.from_model(found[i]) if i in found else None for i in node_ints(node_ids)]


async def _visible_post(info: Info, post_id: int | None) -> PostNode | None:
    """A linked post (parent, quote, answer), if the viewer may read it and its thread."""
    if post_id is None:
        return None
    info.context.require_actor()
    post = await info.context.community.readable_post_by_id.load(post_id)
    return PostNode.from_model(post) if post else None


@strawberry.type(name="SpaceConnection")
class SpaceConnection(relay.Connection[SpaceNode]):
    pass


@strawberry.type(name="ThreadConnection")
class ThreadConnection(relay.Connection[ThreadNode]):
    pass


@strawberry.type(name="PostConnection")
class PostConnection(relay.Connection[PostNode]):
    pass
