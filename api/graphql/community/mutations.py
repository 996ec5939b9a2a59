import strawberry
from strawberry import relay

from api.graphql.community.types import (
    CommunityUserError,
    PostNode,
    ReactionKind,
    SpaceNode,
    SpaceVisibility,
    ThreadKind,
    ThreadNode,
)
from api.graphql.context import Info
from api.graphql.errors import mutate
from api.graphql.relay import decode_id
from domain.community.errors import CommunityErrorCode
from domain.community.services import posting, reactions, reading, spaces
from domain.shared.errors import DomainError

MAX_TAGS_INPUT = 20


@strawberry.input
class CreateSpaceInput:
    slug: str
    name: str
    visibility: SpaceVisibility
    description: str | None = None
    parent_id: relay.GlobalID | None = None
    program_id: relay.GlobalID | None = strawberry.field(default=None, description="For PROGRAM.")
    account_id: relay.GlobalID | None = strawberry.field(default=None, description="For ACCOUNT.")
    position: int = 0


@strawberry.type
class SpacePayload:
    space: SpaceNode | None
    user_errors: list[CommunityUserError]


@strawberry.input
class StartThreadInput:
    space_id: relay.GlobalID
    kind: ThreadKind = ThreadKind.DISCUSSION
    title: str
    body: str = strawberry.field(description="Markdown.")
    tags: list[str] = strawberry.field(default_factory=list)
    idea_id: relay.GlobalID | None = strawberry.field(default=None, description="For IDEA_LINK.")


@strawberry.type
class ThreadPayload:
    thread: ThreadNode | None
    user_errors: list[CommunityUserError]


@strawberry.input
class ReplyInput:
    thread_id: relay.GlobalID
    body: str = strawberry.field(description="Markdown. @handle mentions notify.")
    parent_post_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Reply to this post (replies nest one level)."
    )
    quoted_post_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Quote this post at the top of the reply."
    )


@strawberry.input
class EditPostInput:
    post_id: relay.GlobalID
    body: str
    title: str | None = strawberry.field(default=None, description="Opening post only.")


@strawberry.input
class DeletePostInput:
    post_id: relay.GlobalID
    reason: str | None = None


@strawberry.input
class ReactionInput:
    post_id: relay.GlobalID
    kind: ReactionKind


@strawberry.input
class AcceptAnswerInput:
    post_id: relay.GlobalID


@strawberry.input
class UnacceptAnswerInput:
    thread_id: relay.GlobalID


@strawberry.input
class MarkThreadReadInput:
    thread_id: relay.GlobalID
    up_to_number: int | None = strawberry.field(default=None, description="All posts if omitted.")


@strawberry.input
class WatchInput:
    id: relay.GlobalID = strawberry.field(description="A Thread or a Space.")
    watching: bool = True


@strawberry.type
class PostPayload:
    post: PostNode | None
    user_errors: list[CommunityUserError]


@strawberry.type
class WatchPayload:
    watching: bool | None
    user_errors: list[CommunityUserError]


def _optional_id(value: relay.GlobalID | None, type_name: str, field: str) -> int | None:
    return None if value is None else decode_id(value, type_name, ["input", field])


async def _rate_limited(info: Info) -> None:
    limiter = info.context.rate_limiter
    actor = info.context.require_writer()
    if limiter is not None and not await limiter.allow_post(actor.member_id):
        raise DomainError(
            "you are posting too fast; wait a minute", code=CommunityErrorCode.RATE_LIMITED
        )


@strawberry.type
class CommunityMutations:
    @strawberry.mutation(description="Create a space. Admins only.")
    async def create_space(self, info: Info, input: CreateSpaceInput) -> SpacePayload:
        async def run() -> SpaceNode:
            new = spaces.NewSpace(
                slug=input.slug,
                name=input.name,
                visibility=input.visibility,
                description=input.description,
                position=input.position,
                parent_id=_optional_id(input.parent_id, "Space", "parentId"),
                program_id=_optional_id(input.program_id, "Program", "programId"),
                account_id=_optional_id(input.account_id, "Account", "accountId"),
            )
            space = await spaces.create_space(
                info.context.session, info.context.require_actor(), new
            )
            return SpaceNode.from_model(space)

        space, problems = await mutate(info, run)
        return SpacePayload(space=space, user_errors=CommunityUserError.from_problems(problems))

    @strawberry.mutation(description="Start a thread with its opening post.")
    async def start_thread(self, info: Info, input: StartThreadInput) -> ThreadPayload:
        async def run() -> ThreadNode:
            if len(input.tags) > MAX_TAGS_INPUT:
                raise DomainError(
                    "too many tags", code=CommunityErrorCode.TOO_MANY_ITEMS, field=["input", "tags"]
                )
            await _rate_limited(info)
            new = posting.NewThread(
                space_id=decode_id(input.space_id, "Space", ["input", "spaceId"]),
                kind=input.kind,
                title=input.title,
                body=input.body,
                tags=list(input.tags),
                idea_id=_optional_id(input.idea_id, "Idea", "ideaId"),
            )
            context = info.context
            thread, _ = await posting.start_thread(
                context.session, context.require_actor(), context.community_rules, context.now, new
            )
            return ThreadNode.from_model(thread)

        thread, problems = await mutate(info, run)
        return ThreadPayload(thread=thread, user_errors=CommunityUserError.from_problems(problems))

    @strawberry.mutation(description="Reply in a thread.")
    async def reply(self, info: Info, input: ReplyInput) -> PostPayload:
        async def run() -> PostNode:
            await _rate_limited(info)
            new = posting.NewReply(
                thread_id=decode_id(input.thread_id, "Thread", ["input", "threadId"]),
                body=input.body,
                parent_post_id=_optional_id(input.parent_post_id, "Post", "parentPostId"),
                quoted_post_id=_optional_id(input.quoted_post_id, "Post", "quotedPostId"),
            )
            context = info.context
            post = await posting.reply(
                context.session, context.require_actor(), context.community_rules, context.now, new
            )
            return PostNode.from_model(post)

        post, problems = await mutate(info, run)
        return PostPayload(post=post, user_errors=CommunityUserError.from_problems(problems))

    @strawberry.mutation(description="Edit a post; the previous text is kept as a revision.")
    async def edit_post(self, info: Info, input: EditPostInput) -> PostPayload:
        async def run() -> PostNode:
            context = info.context
            post = await posting.edit_post(
                context.session,
                context.require_actor(),
                context.community_rules,
                context.now,
                decode_id(input.post_id, "Post", ["input", "postId"]),
                input.body,
                input.title,
            )
            return PostNode.from_model(post)

        post, problems = await mutate(info, run)
        return PostPayload(post=post, user_errors=CommunityUserError.from_problems(problems))

    @strawberry.mutation(description="Delete a post (soft). The opening post takes the thread.")
    async def delete_post(self, info: Info, input: DeletePostInput) -> PostPayload:
        async def run() -> PostNode:
            context = info.context
            post = await posting.delete_post(
                context.session,
                context.require_actor(),
                context.now,
                decode_id(input.post_id, "Post", ["input", "postId"]),
                input.reason,
            )
            return PostNode.from_model(post)

        post, problems = await mutate(info, run)
        return PostPayload(post=post, user_errors=CommunityUserError.from_problems(problems))

    @strawberry.mutation(description="React to a post (once per kind).")
    async def add_reaction(self, info: Info, input: ReactionInput) -> PostPayload:
        async def run() -> PostNode:
            context = info.context
            post = await reactions.react(
                context.session,
                context.require_actor(),
                context.now,
                decode_id(input.post_id, "Post", ["input", "postId"]),
                input.kind,
            )
            return PostNode.from_model(post)

        post, problems = await mutate(info, run)
        return PostPayload(post=post, user_errors=CommunityUserError.from_problems(problems))

    @strawberry.mutation
    async def remove_reaction(self, info: Info, input: ReactionInput) -> PostPayload:
        async def run() -> PostNode:
            post = await reactions.unreact(
                info.context.session,
                info.context.require_actor(),
                decode_id(input.post_id, "Post", ["input", "postId"]),
                input.kind,
            )
            return PostNode.from_model(post)

        post, problems = await mutate(info, run)
        return PostPayload(post=post, user_errors=CommunityUserError.from_problems(problems))

    @strawberry.mutation(description="Mark a reply as a question's answer (asker or moderator).")
    async def accept_answer(self, info: Info, input: AcceptAnswerInput) -> ThreadPayload:
        async def run() -> ThreadNode:
            thread = await reactions.accept_answer(
                info.context.session,
                info.context.require_actor(),
                decode_id(input.post_id, "Post", ["input", "postId"]),
            )
            return ThreadNode.from_model(thread)

        thread, problems = await mutate(info, run)
        return ThreadPayload(thread=thread, user_errors=CommunityUserError.from_problems(problems))

    @strawberry.mutation
    async def unaccept_answer(self, info: Info, input: UnacceptAnswerInput) -> ThreadPayload:
        async def run() -> ThreadNode:
            from domain.community.services.common import readable_thread

            actor = info.context.require_actor()
            thread_id = decode_id(input.thread_id, "Thread", ["input", "threadId"])
            thread = await readable_thread(info.context.session, actor, thread_id)
            await reactions.unaccept_answer(info.context.session, actor, thread)
            return ThreadNode.from_model(thread)

        thread, problems = await mutate(info, run)
        return ThreadPayload(thread=thread, user_errors=CommunityUserError.from_problems(problems))

    @strawberry.mutation(description="Record how far you have read a thread.")
    async def mark_thread_read(self, info: Info, input: MarkThreadReadInput) -> ThreadPayload:
        async def run() -> ThreadNode:
            from domain.community.services.common import readable_thread

            context, actor = info.context, info.context.require_actor()
            thread_id = decode_id(input.thread_id, "Thread", ["input", "threadId"])
            await reading.mark_read(
                context.session, actor, context.now, thread_id, input.up_to_number
            )
            return ThreadNode.from_model(await readable_thread(context.session, actor, thread_id))

        thread, problems = await mutate(info, run)
        return ThreadPayload(thread=thread, user_errors=CommunityUserError.from_problems(problems))

    @strawberry.mutation(description="Watch or stop watching a thread or a space.")
    async def watch(self, info: Info, input: WatchInput) -> WatchPayload:
        async def run() -> bool:
            actor = info.context.require_actor()
            if input.id.type_name == "Space":
                space_id = decode_id(input.id, "Space", ["input", "id"])
                await reading.watch_space(info.context.session, actor, space_id, input.watching)
            else:
                thread_id = decode_id(input.id, "Thread", ["input", "id"])
                await reading.watch_thread(info.context.session, actor, thread_id, input.watching)
            return input.watching

        watching, problems = await mutate(info, run)
        return WatchPayload(
            watching=watching, user_errors=CommunityUserError.from_problems(problems)
        )
