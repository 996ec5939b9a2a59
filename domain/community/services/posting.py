"""Starting threads, replying, editing and deleting posts."""

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.community import events, policies, repository
from domain.community.errors import CommunityErrorCode as Code
from domain.community.markdown import Rendered, excerpt, quote, render
from domain.community.models import (
    Mention,
    Post,
    PostRevision,
    PostStatus,
    Space,
    Thread,
    ThreadKind,
    ThreadWatch,
)
from domain.community.policies import CommunityRules
from domain.community.services.common import (
    checked_body,
    held_for_review,
    poster_standing,
    readable_post,
    readable_space,
    readable_thread,
)
from domain.community.standing import recompute
from domain.identity.models import Member
from domain.identity.policies import Actor
from domain.shared.audit import record_audit
from domain.shared.errors import DomainError, Forbidden
from domain.shared.upsert import insert_ignoring_duplicates
from domain.shared.validation import Checker

_TAG = re.compile(r"^[a-z0-9][a-z0-9-]{0,29}$")


@dataclass(frozen=True)
class NewThread:
    space_id: int
    kind: ThreadKind
    title: str
    body: str
    tags: list[str] = field(default_factory=list)
    idea_id: int | None = None


async def start_thread(
    session: AsyncSession, actor: Actor, rules: CommunityRules, now: datetime, new: NewThread
) -> tuple[Thread, Post]:
    space = await readable_space(session, actor, new.space_id, "spaceId")
    standing = await poster_standing(session, actor, now)
    if not policies.can_start_thread(actor, new.kind):
        raise Forbidden("only staff and moderators post announcements")
    check = Checker(Code.INVALID_VALUE)
    title = check.text("title", new.title, max_length=rules.max_title_chars, required=True)
    tags = _checked_tags(check, new.tags, rules)
    if new.kind is ThreadKind.IDEA_LINK and new.idea_id is None:
        check.fail("ideaId", "an IDEA_LINK thread names the idea it discusses")
    rendered = checked_body(check, "body", new.body, rules, standing)
    check.raise_if_any()

    held = held_for_review(actor, standing, rules)
    thread = Thread(
        space_id=space.id,
        author_id=actor.member_id,
        kind=new.kind,
        title=title,
        tags=tags,
        idea_id=new.idea_id,
        hidden=held,
        post_count=1,
        reply_count=0,
        reaction_count=0,
        last_activity_at=now,
        last_poster_id=actor.member_id,
        created_at=now,
    )
    session.add(thread)
    await session.flush()
    post = await _add_post(session, actor, thread, 1, rendered, new.body, held, now)
    if not held:
        thread.last_post_id = post.id
        await _bump_space(session, space, now)
    await _watch(session, actor.member_id, thread.id)
    standing.threads_created += 1
    recompute(standing)
    events.emit(session, events.THREAD_CREATED, thread_id=thread.id, post_id=post.id)
    events.emit(session, events.POST_CREATED, thread_id=thread.id, post_id=post.id)
    return thread, post


@dataclass(frozen=True)
class NewReply:
    thread_id: int
    body: str
    parent_post_id: int | None = None
    quoted_post_id: int | None = None


async def reply(
    session: AsyncSession, actor: Actor, rules: CommunityRules, now: datetime, new: NewReply
) -> Post:
    thread = await readable_thread(session, actor, new.thread_id)
    standing = await poster_standing(session, actor, now)
    if not policies.can_reply(actor, thread):
        raise DomainError(
            "this thread is locked", code=Code.THREAD_LOCKED, field=["input", "threadId"]
        )
    check = Checker(Code.INVALID_VALUE)
    parent_id = await _reply_parent(session, actor, thread, new.parent_post_id, check)
    rendered = checked_body(check, "body", new.body, rules, standing)
    body = new.body
    if new.quoted_post_id is not None:
        quoted, _ = await readable_post(session, actor, new.quoted_post_id, "quotedPostId")
        author = await session.get(Member, quoted.author_id)
        body = quote(quoted.body_markdown, author.handle if author else "someone") + body
        rendered = render(body)
    check.raise_if_any()

    held = held_for_review(actor, standing, rules)
    number = await repository.next_post_number(
        session, thread.id, visible=not held, poster_id=actor.member_id, now=now
    )
    post = await _add_post(
        session,
        actor,
        thread,
        number,
        rendered,
        body,
        held,
        now,
        parent_id=parent_id,
        quoted_post_id=new.quoted_post_id,
    )
    if not held:
        # The thread's row lock (next_post_number) is held until commit, so replies set this
        # in number order.
        thread.last_post_id = post.id
        space = await session.get(Space, thread.space_id)
        assert space is not None
        space.last_activity_at = now
    await _watch(session, actor.member_id, thread.id)
    standing.replies += 1
    recompute(standing)
    events.emit(session, events.POST_CREATED, thread_id=thread.id, post_id=post.id)
    return post


async def edit_post(
    session: AsyncSession,
    actor: Actor,
    rules: CommunityRules,
    now: datetime,
    post_id: int,
    body: str,
    title: str | None = None,
) -> Post:
    """Edits keep the previous text as a revision; only the opening post's edit changes a title."""
    post, thread = await readable_post(session, actor, post_id)
    if not policies.can_edit_post(actor, post, thread):
        raise Forbidden("you may only edit your own posts")
    standing = await poster_standing(session, actor, now)
    check = Checker(Code.INVALID_VALUE)
    rendered = checked_body(check, "body", body, rules, standing)
    if title is not None:
        if post.number != 1:
            check.fail("title", "only the opening post carries the thread's title")
        title = check.text("title", title, max_length=rules.max_title_chars, required=True)
    check.raise_if_any()
    session.add(
        PostRevision(
            post_id=post.id,
            editor_id=actor.member_id,
            body_markdown=post.body_markdown,
            created_at=now,
        )
    )
    previous_mentions = set(await _mentioned_ids(session, post.id))
    post.body_markdown, post.body_html, post.edited_at = body, rendered.html, now
    post.excerpt = excerpt(rendered.html)
    if title is not None:
        thread.title = title
    await _record_mentions(session, post, rendered, exclude=previous_mentions)
    if post.author_id != actor.member_id:
        record_audit(
            session,
            actor_member_id=actor.member_id,
            action="post.edit",
            target_type="Post",
            target_id=post.id,
        )
    events.emit(session, events.POST_EDITED, thread_id=thread.id, post_id=post.id)
    return post


async def delete_post(
    session: AsyncSession, actor: Actor, now: datetime, post_id: int, reason: str | None = None
) -> Post:
    """Soft delete. Deleting the opening post deletes the thread."""
    post, thread = await readable_post(session, actor, post_id)
    if not policies.can_delete_post(actor, post):
        raise Forbidden("you may only delete your own posts")
    if post.deleted_at is not None:
        return post
    # Counters and the last-post pointer change from locked rows (post, then thread: the order
    # moderation takes them in), so a reply or a hide committing meanwhile is neither lost from
    # reply_count nor left ahead of the pointer.
    post = await repository.post_for_update(session, post.id)
    thread = await repository.thread_for_update(session, thread.id)
    if post.deleted_at is not None:
        return post
    post.deleted_at, post.deleted_by_id = now, actor.member_id
    if post.number == 1:
        thread.deleted_at = now
    elif post.status is PostStatus.VISIBLE:
        thread.reply_count -= 1
    if thread.accepted_post_id == post.id:
        thread.accepted_post_id = None
    if thread.last_post_id == post.id or post.number == 1:
        thread.last_post_id = await repository.newest_visible_post_id(session, thread.id)
    if post.author_id != actor.member_id:
        record_audit(
            session,
            actor_member_id=actor.member_id,
            action="post.delete",
            target_type="Post",
            target_id=post.id,
            reason=reason,
        )
    events.emit(session, events.POST_DELETED, thread_id=thread.id, post_id=post.id)
    return post


# --- helpers --------------------------------------------------------------------------------


def _checked_tags(check: Checker, tags: list[str], rules: CommunityRules) -> list[str]:
    cleaned = list(dict.fromkeys(t.strip().lower() for t in tags if t.strip()))
    if len(cleaned) > rules.max_tags:
        check.fail("tags", f"at most {rules.max_tags} tags", Code.TOO_MANY_ITEMS)
    if any(not _TAG.match(t) for t in cleaned):
        check.fail("tags", "tags are lower-case letters, digits and dashes, up to 30 long")
    return cleaned


async def _reply_parent(
    session: AsyncSession, actor: Actor, thread: Thread, parent_post_id: int | None, check: Checker
) -> int | None:
    """Replies nest one level: a reply to a reply hangs under the same top-level post."""
    if parent_post_id is None:
        return None
    parent = await session.get(Post, parent_post_id)
    if parent is None or parent.thread_id != thread.id or not policies.can_see_post(actor, parent):
        check.fail(
            "parentPostId", "the post you reply to is not in this thread", Code.NOT_IN_THREAD
        )
        return None
    return parent.parent_id or (None if parent.number == 1 else parent.id)


async def _add_post(
    session: AsyncSession,
    actor: Actor,
    thread: Thread,
    number: int,
    rendered: Rendered,
    body: str,
    held: bool,
    now: datetime,
    *,
    parent_id: int | None = None,
    quoted_post_id: int | None = None,
) -> Post:
    post = Post(
        thread_id=thread.id,
        number=number,
        author_id=actor.member_id,
        parent_id=parent_id,
        quoted_post_id=quoted_post_id,
        body_markdown=body,
        body_html=rendered.html,
        excerpt=excerpt(rendered.html),
        status=PostStatus.HELD if held else PostStatus.VISIBLE,
        reaction_count=0,
        created_at=now,
    )
    session.add(post)
    await session.flush()
    await _record_mentions(session, post, rendered, exclude=set())
    return post


async def _record_mentions(
    session: AsyncSession, post: Post, rendered: Rendered, exclude: set[int]
) -> None:
    found = await repository.member_ids_by_handles(session, rendered.mentions)
    new_ids = [i for i in found.values() if i not in exclude and i != post.author_id]
    if new_ids:
        await session.execute(
            insert(Mention), [{"post_id": post.id, "member_id": i} for i in new_ids]
        )


async def _mentioned_ids(session: AsyncSession, post_id: int) -> list[int]:
    from sqlalchemy import select

    rows = await session.scalars(select(Mention.member_id).where(Mention.post_id == post_id))
    return list(rows)


async def _bump_space(session: AsyncSession, space: Space, now: datetime) -> None:
    await session.execute(
        update(Space)
        .where(Space.id == space.id)
        .values(thread_count=Space.thread_count + 1, last_activity_at=now)
    )


async def _watch(session: AsyncSession, member_id: int, thread_id: int) -> None:
    await insert_ignoring_duplicates(
        session, ThreadWatch, [{"member_id": member_id, "thread_id": thread_id}]
    )
