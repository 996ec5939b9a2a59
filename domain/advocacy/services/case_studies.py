"""Case studies: a pipeline from nomination to publication with owners and due dates, metrics
quoted, a term (five years by default) after which the customer approves it again."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.advocacy import events, ledger
from domain.advocacy.errors import Code, invalid
from domain.advocacy.fatigue import AskKind, check_budget, record_ask
from domain.advocacy.models import CaseStudy, CaseStudyStage, ConsentChannel, LedgerActivity
from domain.advocacy.services.common import (
    clean_terms,
    customer_member,
    get_for_update,
    require_advocacy_staff,
    required_text,
    text_or_none,
)
from domain.advocacy.services.consent import require_consent
from domain.identity.models import Member
from domain.identity.policies import Actor
from domain.shared.validation import Checker

Stage = CaseStudyStage
TERM_YEARS = 5
PIPELINE = [
    Stage.NOMINATED,
    Stage.INTERVIEWING,
    Stage.DRAFTING,
    Stage.CUSTOMER_REVIEW,
    Stage.LEGAL_APPROVAL,
]
SOURCE = "CaseStudy"


@dataclass(frozen=True)
class Metric:
    name: str
    after: str
    before: str | None = None
    unit: str | None = None


@dataclass(frozen=True)
class CaseStudyData:
    title: str
    summary: str | None = None
    owner_id: int | None = None
    due_on: date | None = None
    industry_tags: list[str] = field(default_factory=list)
    product_tags: list[str] = field(default_factory=list)
    asset_urls: list[str] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    channels: list[ConsentChannel] = field(default_factory=list)
    shows_logo: bool = True


def term_end(start: datetime) -> datetime:
    return start + timedelta(days=365 * TERM_YEARS + TERM_YEARS // 4)


async def nominate(
    session: AsyncSession, actor: Actor, now: datetime, member_id: int, data: CaseStudyData
) -> CaseStudy:
    """Asking a customer for a case study counts against their budget."""
    require_advocacy_staff(actor)
    member = await customer_member(session, member_id, "memberId")
    verdict = await check_budget(session, member_id=member_id, kind=AskKind.CASE_STUDY, at=now)
    if not verdict.allowed:
        raise invalid(
            "the member's ask budget is used up: " + "; ".join(verdict.reasons),
            "memberId",
            Code.OVER_BUDGET,
        )
    study = CaseStudy(member_id=member_id, account_id=member.account_id, stage=Stage.NOMINATED)
    await _apply(session, study, data, now)
    session.add(study)
    await session.flush()
    await record_ask(
        session,
        member_id=member_id,
        account_id=member.account_id,
        kind=AskKind.CASE_STUDY,
        source_type=SOURCE,
        source_id=study.id,
        at=now,
    )
    events.emit(session, events.CASE_STUDY_CHANGED, case_study_id=study.id)
    return study


async def update(
    session: AsyncSession, actor: Actor, now: datetime, study_id: int, data: CaseStudyData
) -> CaseStudy:
    require_advocacy_staff(actor)
    study = await get_for_update(session, CaseStudy, study_id, "caseStudyId")
    await _apply(session, study, data, now)
    if study.stage is Stage.PUBLISHED:
        await require_consent(session, study, now)  # new channels need consent too
    events.emit(session, events.CASE_STUDY_CHANGED, case_study_id=study.id)
    return study


async def move(
    session: AsyncSession,
    actor: Actor,
    now: datetime,
    study_id: int,
    stage: CaseStudyStage,
    due_on: date | None = None,
) -> CaseStudy:
    """Any pipeline stage may follow another (drafts go back to interviews); publishing needs
    legal approval first and an active consent for every channel; retiring is final."""
    require_advocacy_staff(actor)
    study = await get_for_update(session, CaseStudy, study_id, "caseStudyId")
    current = study.stage
    allowed = (
        (stage is Stage.RETIRED and current is not Stage.RETIRED)
        or (current in PIPELINE and stage in PIPELINE and stage is not current)
        or (current is Stage.LEGAL_APPROVAL and stage is Stage.PUBLISHED)
    )
    if not allowed:
        raise invalid(
            f"a case study cannot go from {current.lower()} to {stage.lower()}",
            "stage",
            Code.INVALID_TRANSITION,
        )
    if stage is Stage.PUBLISHED:
        await require_consent(session, study, now)
        study.published_at = now
        study.approved_at = now
        study.expires_at = term_end(now)
        await ledger.record_activity(
            session,
            member_id=study.member_id,
            account_id=study.account_id,
            activity=LedgerActivity.CASE_STUDY,
            source_type=SOURCE,
            source_id=study.id,
            at=now,
            dedupe_key=f"{SOURCE}:{study.id}",
            tags=study.product_tags,
        )
        events.emit(session, events.CASE_STUDY_PUBLISHED, case_study_id=study.id)
    study.stage = stage
    if due_on is not None:
        study.due_on = due_on
    study.updated_at = now
    events.emit(session, events.CASE_STUDY_CHANGED, case_study_id=study.id)
    return study


async def reapprove(session: AsyncSession, actor: Actor, now: datetime, study_id: int) -> CaseStudy:
    """The customer approved it again: a new term from today, under a consent active now."""
    require_advocacy_staff(actor)
    study = await get_for_update(session, CaseStudy, study_id, "caseStudyId")
    if study.stage is not Stage.PUBLISHED:
        raise invalid(
            "only a published case study is re-approved", "caseStudyId", Code.INVALID_TRANSITION
        )
    await require_consent(session, study, now)
    study.approved_at = now
    study.expires_at = term_end(now)
    study.updated_at = now
    events.emit(session, events.CASE_STUDY_CHANGED, case_study_id=study.id)
    return study


async def _apply(
    session: AsyncSession, study: CaseStudy, data: CaseStudyData, now: datetime
) -> None:
    check = Checker(Code.INVALID_VALUE)
    for url in data.asset_urls:
        check.url("assetUrls", url)
    check.list_size("assetUrls", list(data.asset_urls), 20, Code.TOO_MANY_ITEMS)
    check.list_size("metrics", list(data.metrics), 20, Code.TOO_MANY_ITEMS)
    check.raise_if_any()
    if data.owner_id is not None:
        owner = await session.get(Member, data.owner_id)
        if owner is None:
            raise invalid("Member not found", "ownerId", Code.NOT_FOUND)
    metrics: list[dict[str, Any]] = []
    for metric in data.metrics:
        name = required_text(metric.name, "metrics", 200)
        metrics.append(
            {
                "name": name,
                "before": text_or_none(metric.before, "metrics", 100),
                "after": required_text(metric.after, "metrics", 100),
                "unit": text_or_none(metric.unit, "metrics", 30),
            }
        )
    study.title = required_text(data.title, "title", 200)
    study.summary = text_or_none(data.summary, "summary", 10_000)
    study.owner_id = data.owner_id
    study.due_on = data.due_on
    study.industry_tags = clean_terms(data.industry_tags, "industryTags")
    study.product_tags = clean_terms(data.product_tags, "productTags")
    study.asset_urls = [u.strip() for u in data.asset_urls]
    study.metrics = metrics
    study.channels = [str(c) for c in dict.fromkeys(data.channels)]
    study.shows_logo = data.shows_logo
    study.updated_at = now
