"""Spaces (categories): created and arranged by admins, each with one visibility rule."""

import re
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from domain.community import events, policies, repository
from domain.community.errors import CommunityErrorCode as Code
from domain.community.models import Space, SpaceVisibility
from domain.community.services.common import readable_space
from domain.identity.models import Account, AccountKind
from domain.identity.policies import Actor
from domain.programs.models import Program
from domain.shared.audit import record_audit
from domain.shared.errors import Forbidden
from domain.shared.validation import Checker

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,79}$")


@dataclass(frozen=True)
class NewSpace:
    slug: str
    name: str
    visibility: SpaceVisibility
    description: str | None = None
    parent_id: int | None = None
    program_id: int | None = None
    account_id: int | None = None
    position: int = 0


async def create_space(session: AsyncSession, actor: Actor, new: NewSpace) -> Space:
    if not policies.can_manage_spaces(actor):
        raise Forbidden("only admins create spaces")
    check = Checker(Code.INVALID_VALUE)
    slug = new.slug.strip().lower()
    if not _SLUG.match(slug):
        check.fail("slug", "2-80 lower-case letters, digits and dashes")
    elif await repository.space_slug_exists(session, slug):
        check.fail("slug", "another space has this slug", Code.SLUG_TAKEN)
    name = check.text("name", new.name, max_length=120, required=True)
    description = check.text("description", new.description, max_length=2000)
    await _check_rule(session, check, new)
    if new.parent_id is not None:
        parent = await readable_space(session, actor, new.parent_id, "parentId")
        if parent.parent_id is not None:
            check.fail("parentId", "spaces nest one level only", Code.NESTING_TOO_DEEP)
        narrower_or_same = parent.visibility is SpaceVisibility.PUBLIC or (
            (parent.visibility, parent.program_id, parent.account_id)
            == (new.visibility, new.program_id, new.account_id)
        )
        if not narrower_or_same:
            check.fail(
                "visibility",
                "a sub-space of a restricted space has the same rule",
                Code.PARENT_VISIBILITY_MISMATCH,
            )
    check.raise_if_any()
    space = Space(
        slug=slug,
        name=name,
        description=description,
        visibility=new.visibility,
        parent_id=new.parent_id,
        program_id=new.program_id,
        account_id=new.account_id,
        position=new.position,
        thread_count=0,
    )
    session.add(space)
    await session.flush()
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="space.create",
        target_type="Space",
        target_id=space.id,
        details={"visibility": str(new.visibility)},
    )
    events.emit(session, events.SPACE_CHANGED, space_id=space.id)
    return space


async def _check_rule(session: AsyncSession, check: Checker, new: NewSpace) -> None:
    if new.visibility is SpaceVisibility.PROGRAM:
        if new.program_id is None or await session.get(Program, new.program_id) is None:
            check.fail("programId", "a PROGRAM space names an existing program")
    elif new.program_id is not None:
        check.fail("programId", "only PROGRAM spaces name a program")
    if new.visibility is SpaceVisibility.ACCOUNT:
        account = await session.get(Account, new.account_id) if new.account_id else None
        if account is None or account.kind is not AccountKind.CUSTOMER:
            check.fail("accountId", "an ACCOUNT space names an existing customer account")
    elif new.account_id is not None:
        check.fail("accountId", "only ACCOUNT spaces name an account")
