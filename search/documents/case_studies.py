"""Case studies: found by title, industry and product tags, summary and the metrics quoted;
visible to whom domain/advocacy/policies.py lets read them (search.permissions.case_study_rule).
Each document stores until when a customer may see it (`usable_until`): published, within its
term and under the member's active CASE_STUDY consent. A consent granted or withdrawn, or the
case study moving (retired, re-approved), rewrites the documents concerned."""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.advocacy import events
from domain.advocacy.models import AdvocacyActivity, CaseStudy, CaseStudyStage, ConsentRecord
from domain.identity import events as identity_events
from search.documents.advocacy import (
    ADVOCACY_ATTRIBUTES,
    ADVOCACY_FACETS,
    ADVOCACY_FILTERS,
    account_attributes,
    account_ids,
    accounts_by_id,
)
from search.documents.base import (
    Attribute,
    Document,
    DocumentType,
    TextField,
    epoch,
    payload_ids,
)
from search.filters import Filter
from search.permissions import Viewer, case_study_rule

FOREVER = 253_402_300_799  # 9999-12-31T23:59:59Z: no end
CONSENT_TOPICS = frozenset({events.CONSENT_GRANTED, events.CONSENT_WITHDRAWN})


def usable_until(study: CaseStudy, consent_ends: Sequence[datetime | None]) -> int:
    """Epoch seconds until which customers may read it (readable_case_studies); 0: not now.
    `consent_ends`: the expiry of each of the member's CASE_STUDY consents not withdrawn."""
    if study.stage is not CaseStudyStage.PUBLISHED or not consent_ends:
        return 0
    consent = max(FOREVER if end is None else epoch(end) for end in consent_ends)
    term = FOREVER if study.expires_at is None else epoch(study.expires_at)
    return min(consent, term)


def metrics_text(metrics: Sequence[Mapping[str, Any]]) -> str:
    return " ".join(
        " ".join(str(m.get(key) or "") for key in ("name", "before", "after", "unit"))
        for m in metrics
    )


class CaseStudies(DocumentType):
    name = "case_study"
    text_fields = (
        TextField("title", weight=4.0),
        TextField("industries", weight=2.0),  # also filterable attributes
        TextField("products", weight=2.0),
        TextField("summary", weight=1.0, snippet=True),
        TextField("metrics", weight=1.0),
    )
    attributes = (*ADVOCACY_ATTRIBUTES, Attribute("usable_until", "int"))
    filters = ADVOCACY_FILTERS
    facets = ADVOCACY_FACETS
    suggest_fields = ("title",)
    id_column = CaseStudy.id
    topics = frozenset(
        {
            events.CASE_STUDY_CHANGED,
            events.CASE_STUDY_PUBLISHED,
            *CONSENT_TOPICS,
            identity_events.ACCOUNT_UPDATED,
        }
    )

    def visibility(self, viewer: Viewer) -> Filter:
        return case_study_rule(viewer)

    async def load(self, session: AsyncSession, ids: Sequence[int]) -> list[Document]:
        studies = list(await session.scalars(select(CaseStudy).where(CaseStudy.id.in_(ids))))
        accounts = await accounts_by_id(session, [s.account_id for s in studies])
        consent_ends: dict[int, list[datetime | None]] = defaultdict(list)
        if studies:
            rows = await session.execute(
                select(ConsentRecord.member_id, ConsentRecord.expires_at).where(
                    ConsentRecord.member_id.in_({s.member_id for s in studies}),
                    ConsentRecord.activity == AdvocacyActivity.CASE_STUDY,
                    ConsentRecord.withdrawn_at.is_(None),
                )
            )
            for member_id, expires_at in rows.all():
                if member_id is not None:
                    consent_ends[member_id].append(expires_at)
        return [
            {
                "id": study.id,
                "created_at": epoch(study.created_at),
                "title": study.title,
                "summary": study.summary or "",
                "metrics": metrics_text(study.metrics),
                **account_attributes(accounts.get(study.account_id), study.industry_tags),
                "products": list(study.product_tags),
                "member_id": study.member_id,
                "account_id": study.account_id,
                "approval_state": study.stage.value,
                "usable_until": usable_until(study, consent_ends.get(study.member_id, [])),
            }
            for study in studies
        ]

    async def affected(
        self, session: AsyncSession, topic: str, payload: Mapping[str, Any]
    ) -> set[int]:
        if topic in CONSENT_TOPICS:
            # readable_case_studies asks for the member's own CASE_STUDY consent.
            consents = await session.execute(
                select(ConsentRecord.member_id).where(
                    ConsentRecord.id.in_(payload_ids(payload, "consent_id")),
                    ConsentRecord.activity == AdvocacyActivity.CASE_STUDY,
                )
            )
            members = {m for (m,) in consents.all() if m is not None}
            if not members:
                return set()
            found = await session.scalars(
                select(CaseStudy.id).where(CaseStudy.member_id.in_(members))
            )
            return set(found)
        if accounts := account_ids(topic, payload):
            found = await session.scalars(
                select(CaseStudy.id).where(CaseStudy.account_id.in_(accounts))
            )
            return set(found)
        return payload_ids(payload, "case_study_id")
