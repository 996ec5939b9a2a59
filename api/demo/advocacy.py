"""Demo advocacy: advocates (one nominated and approved by the account owner), consents, a
published case study, a forum quote approved word for word, reference requests in flight (one
scheduled, one approved) and one completed, a conference with a confirmed keynote and a panel
awaiting a speaker's consent, a press mention, a referral, rewards and a redemption."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.demo.identity import MODERATOR_EMAIL, DemoIdentity
from domain.advocacy.event_models import EventKind, SessionFormat, SessionStatus, SpeakerRole
from domain.advocacy.models import (
    AdvocacyActivity,
    Attribution,
    CaseStudyStage,
    ConsentChannel,
    ConsentScope,
    EngagementKind,
)
from domain.advocacy.services import (
    case_studies,
    consent,
    engagements,
    events,
    profiles,
    references,
    referrals,
    rewards,
    testimonials,
)
from domain.community.models import Post
from domain.identity.models import AccountKind, Member, Role
from domain.identity.policies import Actor
from domain.shared.models import utcnow

A = AdvocacyActivity
C = ConsentChannel


@dataclass(frozen=True)
class DemoAdvocacy:
    advocates: int
    reference_requests: int


def _actor(
    member: Member, kind: AccountKind = AccountKind.CUSTOMER, role: Role = Role.MEMBER
) -> Actor:
    return Actor(member.id, member.account_id, kind, frozenset({Role.MEMBER, role}))


async def load_advocacy(session: AsyncSession, identity: DemoIdentity) -> DemoAdvocacy:
    now = utcnow()
    staff = identity.staff
    noor = _actor(staff["noor@bondfire.example"], AccountKind.VENDOR, Role.MARKETING)
    priya = _actor(staff["priya@bondfire.example"], AccountKind.VENDOR, Role.CSM)
    members = identity.members
    casey, ingrid, hiroshi = (
        members[MODERATOR_EMAIL],
        members["ingrid@northwind.example"],
        members["hiroshi@lumenretail.example"],
    )

    # advocates: Casey and Hiroshi say what they will do; Ingrid is nominated and approved
    await profiles.save_profile(
        session,
        _actor(casey),
        now,
        casey.id,
        profiles.ProfileData(
            activities=[A.REFERENCE_CALL, A.CASE_STUDY, A.TESTIMONIAL, A.SPEAKING],
            max_asks_per_quarter=6,
            languages=["en"],
            products=["Pipelines", "Dashboards"],
            use_cases=["audit-ready data lineage", "month-end reporting"],
            outcomes=[
                profiles.Outcome("audit preparation", "3 days", "2 weeks", "column lineage"),
                profiles.Outcome("dashboard refresh", "15 minutes", "overnight"),
            ],
            availability=[
                profiles.Window(now.date() - timedelta(days=60), now.date() + timedelta(days=180))
            ],
        ),
    )
    await profiles.save_profile(
        session,
        _actor(hiroshi),
        now,
        hiroshi.id,
        profiles.ProfileData(
            activities=[A.REFERENCE_CALL, A.SITE_VISIT, A.REVIEW],
            products=["Dashboards", "Alerts"],
            use_cases=["store performance alerts"],
        ),
    )
    nominated = await profiles.nominate(
        session,
        noor,
        now,
        ingrid.id,
        profiles.ProfileData(
            activities=[A.REFERENCE_CALL, A.TESTIMONIAL],
            products=["Pipelines"],
            use_cases=["freight tracking pipelines"],
            outcomes=[profiles.Outcome("late shipments spotted", "same day", "next week")],
        ),
    )
    await profiles.decide_nomination(session, priya, now, nominated.id, approve=True)

    # consents: Casey's case study and testimonial, Acme's logo
    for activity, channels in (
        (A.CASE_STUDY, [C.WEB, C.SALES_DECK]),
        (A.TESTIMONIAL, [C.WEB, C.SALES_DECK]),
        (A.SPEAKING, [C.WEB, C.SOCIAL]),
    ):
        await consent.grant(
            session,
            _actor(casey),
            now,
            consent.NewConsent(ConsentScope.MEMBER, activity, channels, "2026-03", casey.id),
        )
    await consent.grant(
        session,
        noor,
        now,
        consent.NewConsent(
            ConsentScope.ACCOUNT,
            A.LOGO_USE,
            [C.WEB, C.SALES_DECK],
            "2026-03",
            account_id=casey.account_id,
            expires_at=now + timedelta(days=730),
        ),
    )

    # a published case study
    study = await case_studies.nominate(
        session,
        noor,
        now,
        casey.id,
        case_studies.CaseStudyData(
            title="Acme Analytics cuts audit preparation from two weeks to three days",
            summary="With column lineage in Pipelines, Acme answers auditors from the catalogue.",
            owner_id=noor.member_id,
            industry_tags=["Software"],
            product_tags=["Pipelines"],
            asset_urls=["https://bondfire.example/customers/acme-analytics"],
            metrics=[case_studies.Metric("audit preparation", "3", "14", "days")],
            channels=[C.WEB, C.SALES_DECK],
        ),
    )
    for stage in (
        CaseStudyStage.INTERVIEWING,
        CaseStudyStage.DRAFTING,
        CaseStudyStage.CUSTOMER_REVIEW,
        CaseStudyStage.LEGAL_APPROVAL,
        CaseStudyStage.PUBLISHED,
    ):
        await case_studies.move(session, noor, now, study.id, stage)

    # a forum quote, approved by Casey word for word, then published
    post = await session.scalar(
        select(Post).where(Post.author_id == casey.id, Post.body_markdown.contains("lineage"))
    )
    if post is not None:
        quote = await testimonials.quote_from_post(
            session,
            noor,
            now,
            post.id,
            testimonials.TestimonialData(
                "Column lineage is **exactly** what our auditors asked for.",
                Attribution.FULL_NAME_AND_TITLE,
                [C.WEB],
            ),
        )
        await testimonials.respond(session, _actor(casey), now, quote.id, True, quote.text)
        await testimonials.publish(session, noor, now, quote.id)

    # references: one done with Casey, one scheduled with Ingrid, one approved for Casey
    past = now - timedelta(days=40)  # the completed one was six weeks ago
    done = await references.create(
        session,
        noor,
        past,
        references.NewReferenceRequest(
            prospect_company="Contoso Data",
            industry="Software",
            products=["Pipelines"],
            use_case="data lineage for auditors",
            opportunity_ref="OPP-1042",
            opportunity_amount=Decimal("180000.00"),
            opportunity_stage="Negotiation",
            advocate_id=casey.id,
        ),
    )
    await references.decide(session, priya, past, done.id, approve=True)
    await references.schedule(session, noor, past, done.id, past + timedelta(hours=1))
    await references.complete(session, noor, past + timedelta(hours=2), done.id)
    await references.give_feedback(session, _actor(casey), done.id, 5, "Sharp questions.")
    await references.record_outcome(
        session, noor, past, done.id, references.OpportunityOutcome.WON, Decimal("172000.00")
    )
    scheduled = await references.create(
        session,
        noor,
        now,
        references.NewReferenceRequest(
            prospect_company="Globex Freight",
            industry="Logistics",
            region="Europe",
            products=["Pipelines"],
            use_case="freight tracking pipelines",
            needed_by=now.date() + timedelta(days=21),
            opportunity_ref="OPP-1077",
            opportunity_amount=Decimal("96000.00"),
            opportunity_stage="Evaluation",
            advocate_id=ingrid.id,
        ),
    )
    await references.decide(session, priya, now, scheduled.id, approve=True)
    await references.schedule(session, noor, now, scheduled.id, now + timedelta(days=5))
    approved = await references.create(
        session,
        noor,
        now,
        references.NewReferenceRequest(
            prospect_company="Initrode Analytics",
            industry="Software",
            products=["Dashboards"],
            use_case="month-end reporting",
            needed_by=date.today() + timedelta(days=30),
            opportunity_ref="OPP-1101",
            opportunity_amount=Decimal("240000.00"),
            opportunity_stage="Discovery",
            advocate_id=casey.id,
        ),
    )
    await references.decide(session, priya, now, approved.id, approve=True)

    # a conference: Casey's keynote is confirmed under her consent; the panel waits for
    # Ingrid's speaking consent (Casey moderates it: one ask for the whole event)
    await _conference(session, noor, now, casey, ingrid)

    # a press mention in planning, a referral, rewards and a redemption
    await engagements.create(
        session,
        noor,
        now,
        engagements.NewEngagement(
            EngagementKind.PRESS,
            ingrid.id,
            "How Northwind spots late shipments the same day",
            "Data Weekly",
            now.date() + timedelta(days=30),
            channels=[C.PRESS],
        ),
    )
    referral = await referrals.submit(
        session,
        _actor(casey),
        now,
        referrals.NewReferral("Umbrella Insights", "Jordan Lee", "jordan@umbrella.example"),
    )
    await referrals.advance(session, noor, now, referral.id, referrals.ReferralStatus.ACCEPTED)
    hoodie = await rewards.save_reward(
        session, noor, rewards.RewardData("Bondfire hoodie", 150, "Warm and grey.", stock=50)
    )
    await rewards.save_reward(
        session,
        noor,
        rewards.RewardData("Conference pass", 1500, "A pass to our user conference.", stock=10),
    )
    await rewards.redeem(session, _actor(casey), now, hoodie.id)
    return DemoAdvocacy(advocates=3, reference_requests=3)


async def _conference(
    session: AsyncSession, noor: Actor, now: datetime, casey: Member, ingrid: Member
) -> None:
    opens = now.date() + timedelta(days=60)
    event = await events.create_event(
        session,
        noor,
        now,
        events.NewEvent(
            name="Data Council Europe",
            kind=EventKind.CONFERENCE,
            starts_on=opens,
            ends_on=opens + timedelta(days=1),
            channels=[C.WEB, C.SOCIAL],
            location="Amsterdam",
            url="https://datacouncil.example/europe",
        ),
    )
    day_one = datetime.combine(opens, time(10), UTC)
    keynote = await events.add_session(
        session,
        noor,
        now,
        event.id,
        events.NewSession("Lineage your auditors will love", day_one, SessionFormat.KEYNOTE),
    )
    await events.add_speaker(session, noor, now, keynote.id, casey.id, SpeakerRole.SPEAKER)
    await events.set_session_status(session, noor, now, keynote.id, SessionStatus.CONFIRMED)
    panel = await events.add_session(
        session,
        noor,
        now,
        event.id,
        events.NewSession(
            "Pipelines that keep freight moving", day_one + timedelta(days=1), SessionFormat.PANEL
        ),
    )
    await events.add_speaker(session, noor, now, panel.id, ingrid.id, SpeakerRole.PANELIST)
    await events.add_speaker(session, noor, now, panel.id, casey.id, SpeakerRole.MODERATOR)
