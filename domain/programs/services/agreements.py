"""Versioned NDAs / terms. A program with an agreement gives access only to members who accepted
its current version: a new version pauses every seat until its holder accepts again."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.policies import Actor
from domain.programs import repository
from domain.programs.errors import ProgramsErrorCode as Code
from domain.programs.models import (
    AgreementAcceptance,
    EnrolmentStatus,
    ProgramAgreement,
    ProgramEnrolment,
)
from domain.programs.services.common import audit, fail, managed_program, readable_program
from domain.shared.upsert import insert_ignoring_duplicates
from domain.shared.validation import Checker


async def publish_agreement(
    session: AsyncSession, actor: Actor, program_id: int, title: str, body: str, now: datetime
) -> ProgramAgreement:
    program = await managed_program(session, actor, program_id)
    check = Checker(Code.INVALID_VALUE)
    title_text = check.text("title", title, max_length=200, required=True)
    body_text = check.text("body", body, max_length=100_000, required=True)
    check.raise_if_any()
    current = await repository.current_agreement(session, program.id)
    agreement = ProgramAgreement(
        program_id=program.id,
        version=(current.version if current else 0) + 1,
        title=title_text,
        body=body_text,
        published_by_id=actor.member_id,
        published_at=now,
    )
    session.add(agreement)
    await session.flush()
    audit(
        session,
        actor.member_id,
        "program.agreement.publish",
        "ProgramAgreement",
        agreement.id,
        program_id=program.id,
        version=agreement.version,
    )
    active = await session.scalars(
        select(ProgramEnrolment).where(
            ProgramEnrolment.program_id == program.id,
            ProgramEnrolment.status == EnrolmentStatus.ACTIVE,
        )
    )
    for enrolment in active:
        enrolment.status = EnrolmentStatus.PAUSED
        audit(
            session,
            actor.member_id,
            "program.access.pause",
            "ProgramEnrolment",
            enrolment.id,
            f"agreement version {agreement.version} needs acceptance",
            program_id=program.id,
            member_id=enrolment.member_id,
        )
    return agreement


async def accept_agreement(
    session: AsyncSession, actor: Actor, program_id: int, version: int, now: datetime
) -> ProgramAgreement:
    """Records (member, version, time). Only the current version can be accepted; a paused seat
    opens again at once."""
    program = await readable_program(session, actor, program_id)
    current = await repository.current_agreement(session, program.id)
    if current is None:
        raise fail("this program has no agreement", Code.NOT_FOUND, "programId")
    if version != current.version:
        code = Code.AGREEMENT_OUTDATED if version < current.version else Code.NOT_FOUND
        raise fail(
            f"version {version} is not current; read and accept version {current.version}",
            code,
            "version",
        )
    await insert_ignoring_duplicates(
        session,
        AgreementAcceptance,
        [
            {
                "agreement_id": current.id,
                "program_id": program.id,
                "member_id": actor.member_id,
                "version": current.version,
                "accepted_at": now,
            }
        ],
    )
    audit(
        session,
        actor.member_id,
        "program.agreement.accept",
        "ProgramAgreement",
        current.id,
        program_id=program.id,
        version=current.version,
    )
    enrolment = await repository.enrolment(session, program.id, actor.member_id)
    if enrolment is not None and enrolment.status is EnrolmentStatus.PAUSED:
        enrolment.status = EnrolmentStatus.ACTIVE
        audit(
            session,
            actor.member_id,
            "program.access.resume",
            "ProgramEnrolment",
            enrolment.id,
            program_id=program.id,
            member_id=actor.member_id,
        )
    return current
