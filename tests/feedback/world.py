"""Feedback test helpers: people in companies with ARR, and acting through the API."""

from decimal import Decimal
from typing import Any

from domain.identity.models import AccountSegment, Role
from tests.support.factories import create_account, create_member, create_vendor
from tests.support.graphql import bearer, gql

SUBMIT = """
mutation($i: SubmitIdeaInput!) {
  submitIdea(input: $i) { idea { id status discussion { id kind } } userErrors { field code } }
}
"""
VOTE = """
mutation($i: VoteIdeaInput!) {
  voteIdea(input: $i) { idea { id voterCount accountCount } vote { importance } userErrors { code } }
}
"""
UNVOTE = "mutation($i: IdeaRefInput!) { unvoteIdea(input: $i) { idea { voterCount } userErrors { code } } }"
PROXY = """
mutation($i: RecordProxyVoteInput!) {
  recordProxyVote(input: $i) { idea { voterCount } vote { proxy proxySource proxyNote } userErrors { field code } }
}
"""
STATUS = """
mutation($i: ChangeIdeaStatusInput!) {
  changeIdeaStatus(input: $i) { idea { status declinedReason } userErrors { field code } }
}
"""
MERGE = """
mutation($i: MergeIdeasInput!) {
  mergeIdeas(input: $i) { source { status mergedInto { id } } target { id voterCount } userErrors { field code } }
}
"""
UNMERGE = """
mutation($i: IdeaRefInput!) {
  unmergeIdea(input: $i) { source { status } target { voterCount } userErrors { field code } }
}
"""
DEMAND = """
query($id: ID!) {
  node(id: $id) {
    ... on Idea {
      id status voterCount accountCount impactScore weightedImportance
      importanceCounts { niceToHave important mustHave }
      arr { amount currency }
      demandBySegment { segment accountCount arr { amount } }
      mergedInto { id }
      viewerVote { importance }
    }
  }
}
"""


class Feedback:
    """Acts through the API as given members."""

    def __init__(self, app: Any, client: Any) -> None:
        self.app, self.client = app, client

    async def call(self, member: Any, query: str, variables: dict[str, Any] | None = None) -> Any:
        return await gql(self.client, query, variables, token=bearer(self.app, member))

    async def submit(self, member: Any, title: str = "Dark mode", **extra: Any) -> str:
        body = await self.call(
            member, SUBMIT, {"i": {"title": title, "productArea": "Dashboards", **extra}}
        )
        assert body["data"]["submitIdea"]["userErrors"] == [], body
        return str(body["data"]["submitIdea"]["idea"]["id"])

    async def vote(self, member: Any, idea_id: str, importance: str = "IMPORTANT") -> list[str]:
        body = await self.call(member, VOTE, {"i": {"ideaId": idea_id, "importance": importance}})
        assert "errors" not in body, body
        return [e["code"] for e in body["data"]["voteIdea"]["userErrors"]]

    async def status(
        self, member: Any, idea_id: str, status: str, reason: str | None = None
    ) -> Any:
        body = await self.call(
            member, STATUS, {"i": {"ideaId": idea_id, "status": status, "reason": reason}}
        )
        assert "errors" not in body, body
        return body["data"]["changeIdeaStatus"]

    async def demand(self, member: Any, idea_id: str) -> Any:
        body = await self.call(member, DEMAND, {"id": idea_id})
        assert "errors" not in body, body
        return body["data"]["node"]

    async def drain(self) -> None:
        await self.app.state.dispatcher.drain()


async def people(session: Any) -> dict[str, Any]:
    vendor = await create_vendor(session)
    acme = await create_account(
        session, name="Acme", segment=AccountSegment.ENTERPRISE, arr=Decimal("120000.50")
    )
    globex = await create_account(
        session, name="Globex", segment=AccountSegment.SMB, arr=Decimal("30000.25")
    )
    initech = await create_account(session, name="Initech", segment=AccountSegment.SMB, arr=None)
    return {
        "vendor": vendor,
        "acme": acme,
        "globex": globex,
        "initech": initech,
        "pm": await create_member(session, vendor, {Role.PRODUCT}, handle="pam"),
        "csm": await create_member(session, vendor, {Role.CSM}, handle="cid"),
        "casey": await create_member(session, acme, handle="casey"),
        "dana": await create_member(session, acme, handle="dana"),
        "erin": await create_member(session, acme, handle="erin"),
        "gil": await create_member(session, globex, handle="gil"),
        "hana": await create_member(session, globex, handle="hana"),
        "ian": await create_member(session, initech, handle="ian"),
    }
