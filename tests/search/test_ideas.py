"""Ideas in search, on every backend and database: found only by who may read them (the same
feedback policy as every other surface), and kept in step by the indexer's outbox consumer."""

from sqlalchemy import select

from domain.feedback import policies
from domain.feedback.models import Idea, IdeaStatus, IdeaVisibility
from domain.feedback.services import ideas, merging, triage
from domain.shared.models import utcnow
from tests.search.world import World

VIEWERS = ("admin", "csm", "mod", "casey", "newbie", "gil", "hana")


async def submit(world: World, who: str, title: str, **extra) -> Idea:  # type: ignore[no-untyped-def]
    idea = await ideas.submit_idea(
        world.session,
        world.actor(who),
        ideas.NewIdea(title=title, product_area="Pipelines", **extra),
    )
    await world.session.commit()
    return idea


async def test_private_and_staff_ideas_reach_only_who_may_read_them(world):
    # given a public idea, one private to acme and one for staff only
    public = await submit(world, "casey", "Lemur exports to S3", description="Nightly **lemur**")
    private = await submit(
        world, "casey", "Lemur sync with our ERP", visibility=IdeaVisibility.ACCOUNT
    )
    staff = await submit(world, "csm", "Lemur pricing tiers", visibility=IdeaVisibility.STAFF)
    await world.index_pending()
    # when each kind of viewer searches
    for who in VIEWERS:
        found = {i for _, i in await world.find(who, "lemur", types=("idea",))}
        # then they find exactly what the feedback policy lets them read
        readable = set(
            await world.session.scalars(
                policies.readable_ideas(world.actor(who), select(Idea.id))  # type: ignore[arg-type]
            )
        )
        assert found == readable, who
    assert {i for _, i in await world.find("gil", "lemur", types=("idea",))} == {public.id}
    assert {i for _, i in await world.find("mod", "lemur", types=("idea",))} == {
        public.id,
        private.id,
    }
    assert {i for _, i in await world.find("csm", "lemur", types=("idea",))} == {
        public.id,
        private.id,
        staff.id,
    }
    # and the description's words find it too, with a highlight
    result = await world.search("hana", "nightly", types=("idea",))
    assert [(h.type, h.id) for h in result.hits] == [("idea", public.id)]
    assert "<mark>Nightly</mark>" in result.hits[0].highlights[0].snippet


async def test_status_changes_and_merges_show_after_the_indexer_runs(world):
    idea = await submit(world, "casey", "Retry single pipeline steps")
    duplicate = await submit(world, "gil", "Retry one failed step")
    await world.index_pending()
    admin = world.actor("admin")

    async def with_status(status: IdeaStatus) -> set[int]:
        found = await world.find("gil", "retry", types=("idea",), filters={"status": (status,)})
        return {i for _, i in found}

    assert await with_status(IdeaStatus.NEW) == {idea.id, duplicate.id}
    # when product staff move it along; before the indexer runs the index still says NEW
    await triage.change_status(
        world.session, admin, idea.id, IdeaStatus.UNDER_REVIEW, None, utcnow()
    )
    await world.session.commit()
    assert await with_status(IdeaStatus.UNDER_REVIEW) == set()
    # then after it runs
    await world.index_pending()
    assert await with_status(IdeaStatus.UNDER_REVIEW) == {idea.id}
    assert await with_status(IdeaStatus.NEW) == {duplicate.id}
    # a merged duplicate leaves the index; undoing the merge brings it back
    await merging.merge(world.session, admin, duplicate.id, idea.id, utcnow())
    await world.session.commit()
    await world.index_pending()
    assert {i for _, i in await world.find("gil", "retry", types=("idea",))} == {idea.id}
    await merging.unmerge(world.session, admin, duplicate.id, utcnow())
    await world.session.commit()
    await world.index_pending()
    assert {i for _, i in await world.find("gil", "retry", types=("idea",))} == {
        idea.id,
        duplicate.id,
    }


IDEA_SEARCH = """
query($q: String!) {
  search(query: $q, types: [IDEA]) {
    totalCount
    edges { node { __typename ... on IdeaSearchHit { idea { id title status } highlights { field } } } }
  }
}
"""


async def test_idea_hits_through_the_api(app, client, session):
    from tests.feedback.world import Feedback, people

    # given a public and an account-private idea, indexed by the app's own worker
    who = await people(session)
    await session.commit()
    fb = Feedback(app, client)
    public = await fb.submit(who["casey"], "Axolotl dashboards")
    private = await fb.submit(who["casey"], "Axolotl for acme only", visibility="ACCOUNT")
    await fb.drain()
    # when gil (another company) and dana (casey's colleague) search
    found = {}
    for name in ("gil", "dana"):
        body = await fb.call(who[name], IDEA_SEARCH, {"q": "axolotl"})
        assert "errors" not in body, body
        found[name] = body["data"]["search"]["edges"]
    # then the hits are ideas, each only for who may read it
    assert [e["node"]["idea"]["id"] for e in found["gil"]] == [public]
    assert {e["node"]["idea"]["id"] for e in found["dana"]} == {public, private}
    assert found["gil"][0]["node"]["__typename"] == "IdeaSearchHit"
    assert found["gil"][0]["node"]["idea"]["status"] == "NEW"
    assert found["gil"][0]["node"]["highlights"][0]["field"] == "title"
