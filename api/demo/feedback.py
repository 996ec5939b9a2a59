"""Demo feedback: ideas across products with votes from companies of different ARR, a proxy
vote, a merged duplicate, statuses along the workflow (one declined, with its reason), a
changelog entry and a follower who takes the digest; an NPS survey answered over three months,
one comment of which became an idea (casey has it pending)."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from api.demo.identity import MODERATOR_EMAIL, DemoIdentity
from domain.feedback.models import (
    IdeaStatus,
    IdeaVisibility,
    Importance,
    ProxySource,
    SurveyKind,
)
from domain.feedback.services import changelog, ideas, merging, surveys, triage, voting
from domain.identity.models import AccountKind, Member, Role
from domain.identity.policies import Actor, actor_for
from domain.shared.models import utcnow

_IDEAS = [
    # title, product area, description, author index, visibility
    ("Dark mode for dashboards", "Dashboards", "Night shifts stare at these for hours.", 0),
    ("Alert escalation policies", "Alerts", "Page the next person if nobody acks in 10 min.", 1),
    ("Column-level lineage", "Data Catalog", "Show which dashboards read a column.", 2),
    ("Retry failed pipeline steps", "Pipelines", "Retry one step instead of the whole run.", 3),
    ("Slack alerts", "Alerts", "Post alerts into a Slack channel.", 4),
    ("Alerts into Slack channels", "Alerts", "Same as the Slack idea, really.", 5),
    ("SSO group sync", "Public API", "Map IdP groups to roles.", 0),
]


@dataclass(frozen=True)
class DemoFeedback:
    ideas: int


async def load_feedback(session: AsyncSession, identity: DemoIdentity) -> DemoFeedback:
    def customer(member: Member) -> Actor:
        return actor_for(member, AccountKind.CUSTOMER)

    pm_member = next(m for m in identity.staff.values() if Role.PRODUCT in m.roles)
    csm_member = next(m for m in identity.staff.values() if Role.CSM in m.roles)
    pm = actor_for(pm_member, AccountKind.VENDOR)
    csm = actor_for(csm_member, AccountKind.VENDOR)
    people = list(identity.members.values())
    now = utcnow() - timedelta(days=30)
    made = []
    for n, (title, area, text, author) in enumerate(_IDEAS):
        idea = await ideas.submit_idea(
            session,
            customer(people[author % len(people)]),
            ideas.NewIdea(title=title, product_area=area, description=text, tags=["demo"]),
            now=now + timedelta(days=n),
        )
        made.append(idea)
    await ideas.submit_idea(
        session,
        customer(people[0]),
        ideas.NewIdea(
            title="Export our audit log to our SIEM",
            product_area="Public API",
            visibility=IdeaVisibility.ACCOUNT,
        ),
    )
    levels = list(Importance)
    for n, member in enumerate(people):
        for k, idea in enumerate(made):
            if (n + k) % 3 != 0:
                await voting.vote(session, customer(member), idea.id, levels[(n + k) % 3])
    # A CSM heard a must-have on a call from someone who had not voted on it.
    voted_on_first = {m for n, m in enumerate(people) if n % 3 != 0}
    contact = next(m for m in people if m not in voted_on_first)
    await voting.record_proxy_vote(
        session,
        csm,
        voting.ProxyVote(
            idea_id=made[0].id,
            member_id=contact.id,
            importance=Importance.MUST_HAVE,
            source=ProxySource.CALL,
            note="Raised on the quarterly business review",
        ),
    )
    # Triage: the Slack duplicate is merged; the rest move along the workflow.
    await merging.merge(session, pm, made[5].id, made[4].id, utcnow())
    steps = {
        0: [IdeaStatus.UNDER_REVIEW, IdeaStatus.PLANNED],
        1: [IdeaStatus.UNDER_REVIEW, IdeaStatus.PLANNED, IdeaStatus.IN_PROGRESS],
        3: [
            IdeaStatus.UNDER_REVIEW,
            IdeaStatus.PLANNED,
            IdeaStatus.IN_PROGRESS,
            IdeaStatus.SHIPPED,
        ],
        4: [IdeaStatus.UNDER_REVIEW],
    }
    for index, statuses in steps.items():
        for status in statuses:
            await triage.change_status(session, pm, made[index].id, status, None, utcnow())
    await triage.change_status(
        session,
        pm,
        made[2].id,
        IdeaStatus.DECLINED,
        "Lineage comes with the new catalog next year; we will not retrofit the old one.",
        utcnow(),
    )
    await triage.assign_owner(session, pm, made[1].id, pm_member.id)
    await changelog.create_entry(
        session,
        pm,
        changelog.NewChangelogEntry(
            title="Retry a single pipeline step",
            body="Failed steps now have a **Retry step** button; the rest of the run is kept.",
            product_area="Pipelines",
            idea_ids=[made[3].id],
        ),
        utcnow(),
    )
    await _load_survey(session, identity, pm)
    return DemoFeedback(ideas=len(made) + 2)


_NPS_SCORES = (10, 9, 6, 8, 10, 3, 9, 7, 10, 5, 9, 8)
_NPS_COMMENTS = {
    2: "Exports to our warehouse take hours; we would love incremental exports.",
    5: "Alert noise is wearing the on-call team out.",
}


async def _load_survey(session: AsyncSession, identity: DemoIdentity, pm: Actor) -> None:
    """A quarterly NPS survey sent to every customer 75 days ago, answered over three months;
    casey has not answered yet (it shows as pending)."""
    sent_at = utcnow() - timedelta(days=75)
    survey = await surveys.create_survey(
        session, pm, surveys.NewSurvey(SurveyKind.NPS, "Quarterly NPS"), sent_at
    )
    people = list(identity.members.values())
    await surveys.send_survey(session, pm, survey.id, [m.id for m in people], [], sent_at)
    responders = [m for m in people if m.email != MODERATOR_EMAIL]
    converted = None
    for n, member in enumerate(responders):
        response = await surveys.answer_survey(
            session,
            actor_for(member, AccountKind.CUSTOMER),
            survey.id,
            {"recommend": _NPS_SCORES[n % len(_NPS_SCORES)]},
            _NPS_COMMENTS.get(n),
            sent_at + timedelta(days=1 + (n * 70) // max(len(responders), 1)),
        )
        if n == 2:
            converted = response
    if converted is not None:
        await surveys.idea_from_response(
            session,
            pm,
            surveys.IdeaFromResponse(
                response_id=converted.id,
                title="Incremental warehouse exports",
                product_area="Pipelines",
            ),
            utcnow(),
        )
