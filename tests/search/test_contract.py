"""The search contract: the same cases on every backend (see conftest.py for which run)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from domain.community import events
from domain.community.models import Post, PostStatus, Thread, ThreadKind
from domain.community.services import posting, reactions
from domain.identity import events as identity_events
from domain.identity import service as identity_service
from domain.identity.models import MemberStatus, ProfileVisibility
from domain.shared.models import utcnow
from domain.shared.outbox import OutboxEvent
from search.errors import SearchError, SearchErrorCode
from search.indexer import Indexer
from tests.search.world import HOLD_NEW_MEMBERS, RULES


async def _pending(session) -> list[OutboxEvent]:
    rows = await session.scalars(
        select(OutboxEvent)
        .where(OutboxEvent.processed_at.is_(None))
        .execution_options(populate_existing=True)
    )
    return list(rows)


# --- finding ----------------------------------------------------------------------------------


async def test_a_typo_still_finds_the_thread(world):
    # given
    thread, _ = await world.start(
        "casey", "general", "Moving 200 cron jobs to Pipelines", "Retries with backoff help."
    )
    other, _ = await world.start("gil", "general", "Quarterly dashboards", "Which to retire?")
    await world.index_pending()
    # when / then: a replaced letter, swapped letters, two words with typos, a typed prefix
    for query, expected in (
        ("pipelimes", thread),
        ("dashbaords", other),
        ("retires with bakcoff", thread),
        ("pipel", thread),
    ):
        found = await world.find("gil", query, types=("thread",))
        assert found == [("thread", expected.id)], query


async def test_the_best_match_comes_first_and_highlights_are_html_safe(world):
    # given: the word in one title, and only in another thread's body
    in_title, _ = await world.start(
        "casey", "general", "Schedule exports weekly", "Set it up once. <script>x</script>"
    )
    in_body, _ = await world.start(
        "gil", "general", "A question about reports", "Can I schedule a PDF? <b>bold</b>"
    )
    await world.index_pending()
    # when
    result = await world.search("gil", "schedule", types=("thread",))
    # then
    assert [h.id for h in result.hits] == [in_title.id, in_body.id]
    title = {h.field: h.snippet for h in result.hits[0].highlights}["title"]
    assert title == "<mark>Schedule</mark> exports weekly"
    body = {h.field: h.snippet for h in result.hits[1].highlights}["body"]
    assert "<mark>schedule</mark>" in body and "<b>" not in body
    assert all("<script>" not in h.snippet for hit in result.hits for h in hit.highlights)


async def test_filters_exclude_what_they_should(world):
    # given
    general, _ = await world.start(
        "casey", "general", "Pipelines retries", "How?", kind=ThreadKind.QUESTION, tags=("etl",)
    )
    helped, _ = await world.start(
        "gil", "help", "Pipelines alerts", "Where?", kind=ThreadKind.QUESTION, tags=("alerts",)
    )
    chat, _ = await world.start("gil", "help", "Pipelines chat", "Hello", tags=("etl",))
    answer = await world.reply("casey", helped, "Settings, then Alerts.")
    await reactions.accept_answer(world.session, world.actor("gil"), answer.id)
    await world.session.commit()
    await world.index_pending()
    space = world.spaces["general"].id

    async def threads(**filters) -> set[int]:
        found = await world.find(
            "casey",
            "pipelines",
            types=("thread",),
            filters={k: tuple(v) for k, v in filters.items()},
        )
        return {i for _, i in found}

    # then
    assert await threads() == {general.id, helped.id, chat.id}
    assert await threads(space=[space]) == {general.id}
    assert await threads(tag=["etl"]) == {general.id, chat.id}
    assert await threads(kind=["QUESTION"]) == {general.id, helped.id}
    assert await threads(answered=[True]) == {helped.id}
    assert await threads(kind=["QUESTION"], answered=[False]) == {general.id}
    assert await threads(author=[world.people["gil"].id], tag=["etl"]) == {chat.id}
    # a filter members do not have leaves no member hits
    mixed = await world.find("casey", "", types=("thread", "member"), filters={"space": (space,)})
    assert mixed == [("thread", general.id)]


async def test_an_empty_query_lists_recent_content_and_facets_count_every_hit(world):
    # given
    first, _ = await world.start("casey", "general", "Older thread", "text", tags=("a",))
    second, _ = await world.start("gil", "help", "Newer thread", "text", tags=("a", "b"))
    await world.session.execute(
        Thread.__table__.update()
        .where(Thread.id == first.id)
        .values(created_at=utcnow() - timedelta(days=1))
    )
    await world.session.commit()
    await world.index_pending()
    # when
    result = await world.search("casey", "", types=("thread",), facets=True)
    # then
    assert [h.id for h in result.hits] == [second.id, first.id]
    assert result.facets["type"] == {"thread": 2}
    assert result.facets["tag"] == {"a": 2, "b": 1}
    assert result.facets["space"] == {
        str(world.spaces["general"].id): 1,
        str(world.spaces["help"].id): 1,
    }
    assert "account" not in result.facets  # who works where: staff only
    staff = await world.search("csm", "", types=("thread",), facets=True)
    assert sum(staff.facets["account"].values()) == 2


async def test_pages_follow_one_another(world):
    # given
    for n in range(5):
        await world.start("casey", "general", f"Pipelines note {n}", "pipelines everywhere")
    await world.index_pending()
    # when
    pages = [
        await world.search("gil", "pipelines", types=("thread",), limit=2, offset=o)
        for o in (0, 2, 4)
    ]
    # then
    ids = [h.id for page in pages for h in page.hits]
    assert len(ids) == 5 and len(set(ids)) == 5
    assert [p.has_more for p in pages] == [True, True, False]
    assert pages[0].total == 5


# --- who sees what ----------------------------------------------------------------------------


async def test_restricted_threads_and_posts_never_reach_an_outsider(world):
    # given the same word in every kind of space
    threads = {}
    for space in ("general", "staff", "acme", "beta"):
        author = {"general": "casey", "staff": "csm", "acme": "casey", "beta": "gil"}[space]
        thread, _ = await world.start(author, space, f"Quokka in {space}", "quokka")
        await world.reply(author, thread, f"a quokka reply in {space}")
        threads[space] = thread.id
    await world.index_pending()

    async def spaces_seen(who: str, doc_type: str) -> set[str]:
        found = await world.find(who, "quokka", types=(doc_type,))
        by_thread = {v: k for k, v in threads.items()}
        if doc_type == "thread":
            return {by_thread[i] for _, i in found}
        posts = await world.session.scalars(select(Post).where(Post.id.in_([i for _, i in found])))
        return {by_thread[p.thread_id] for p in posts}

    # then, per document type
    for doc_type in ("thread", "post"):
        assert await spaces_seen("gil", doc_type) == {"general", "beta"}  # enrolled
        assert await spaces_seen("hana", doc_type) == {"general"}  # enrolment ended
        assert await spaces_seen("casey", doc_type) == {"general", "acme"}
        assert await spaces_seen("mod", doc_type) == {"general", "acme"}
        assert await spaces_seen("csm", doc_type) == {"general", "staff", "acme", "beta"}


async def test_an_enrolment_change_needs_no_reindex(world):
    # given
    thread, _ = await world.start("gil", "beta", "Nightjar build notes", "wombat")
    await world.index_pending()
    assert await world.find("hana", "wombat") == []
    # when hana's enrolment is active again (no event, no reindex)
    from domain.programs.models import EnrolmentStatus, ProgramEnrolment

    enrolment = await world.session.scalar(
        select(ProgramEnrolment).where(ProgramEnrolment.member_id == world.people["hana"].id)
    )
    enrolment.status = EnrolmentStatus.ACTIVE
    await world.session.commit()
    # then
    assert await world.find("hana", "wombat") == [("thread", thread.id)]


async def test_hidden_and_held_posts_reach_only_their_author_and_moderators(world):
    # given a held thread from a new member, and a reply a moderator hid
    held_thread, held_post = await world.start(
        "newbie", "general", "Kiwi question", "kiwi", rules=HOLD_NEW_MEMBERS
    )
    open_thread, _ = await world.start("casey", "general", "Kiwi thread", "fine")
    held_reply = await world.reply("newbie", open_thread, "kiwi held reply", rules=HOLD_NEW_MEMBERS)
    hidden_reply = await world.reply("gil", open_thread, "kiwi rude reply")
    hidden_reply.status = PostStatus.HIDDEN
    events.emit(
        world.session, events.POST_MODERATED, thread_id=open_thread.id, post_id=hidden_reply.id
    )
    await world.session.commit()
    await world.index_pending()
    assert held_post.status is PostStatus.HELD

    async def seen(who: str) -> set[tuple[str, int]]:
        return set(await world.find(who, "kiwi"))

    # then
    everyone = {("thread", open_thread.id)}
    assert await seen("casey") == everyone
    assert await seen("gil") == everyone  # not even their own hidden reply
    assert await seen("newbie") == everyone | {("thread", held_thread.id), ("post", held_reply.id)}
    assert await seen("mod") == everyone | {
        ("thread", held_thread.id),
        ("post", held_reply.id),
        ("post", hidden_reply.id),
    }
    assert await seen("csm") == everyone  # staff, but not a moderator


async def test_a_moderator_hiding_a_thread_hides_its_replies_too(world):
    # given
    thread, _ = await world.start("casey", "general", "Emu sightings", "emu")
    reply = await world.reply("gil", thread, "an emu reply")
    await world.index_pending()
    assert {t for t, _ in await world.find("hana", "emu")} == {"thread", "post"}
    # when
    thread.hidden = True
    events.emit(world.session, events.THREAD_MODERATED, thread_id=thread.id)
    await world.session.commit()
    await world.index_pending()
    # then
    assert await world.find("hana", "emu") == []
    assert await world.find("gil", "emu") == []  # their reply is in a thread they cannot read
    both = {("thread", thread.id), ("post", reply.id)}
    assert set(await world.find("casey", "emu")) == both  # the thread's author still reads it
    assert set(await world.find("mod", "emu")) == both


async def test_moving_and_merging_threads_keeps_the_index_in_step(world):
    from domain.community.services import thread_actions

    # given
    source, source_opening = await world.start("casey", "general", "Bison grazing", "bison")
    source_reply = await world.reply("gil", source, "a bison reply")
    target, _ = await world.start("casey", "general", "Prairie animals", "prairie")
    await world.index_pending()
    admin = world.actor("admin")
    # when a moderator moves the target into Acme's private space
    await thread_actions.move_thread(
        world.session, admin, utcnow(), target.id, world.spaces["acme"].id
    )
    await world.session.commit()
    await world.index_pending()
    # then
    assert await world.find("gil", "prairie") == []
    assert await world.find("casey", "prairie") == [("thread", target.id)]
    # when the source is merged into it
    await thread_actions.merge_thread(world.session, admin, utcnow(), source.id, target.id)
    await world.session.commit()
    await world.index_pending()
    # then the moved posts are replies of the private thread: outsiders lose them all
    assert await world.find("gil", "bison") == []
    moved = {("post", source_opening.id), ("post", source_reply.id)}
    assert set(await world.find("mod", "bison", types=("post",))) == moved
    assert set(await world.find("casey", "bison", types=("post",))) == moved


async def test_members_outside_ones_account_are_found_only_while_active(world):
    # given
    gil = world.people["gil"]
    gil.status = MemberStatus.DEACTIVATED
    identity_events.member_changed(world.session, identity_events.MEMBER_UPDATED, gil)
    await world.session.commit()
    await world.index_pending()
    # then
    assert await world.find("casey", "grissom") == []
    assert await world.find("hana", "grissom") == [("member", gil.id)]  # a colleague
    assert await world.find("csm", "grissom") == [("member", gil.id)]  # staff
    assert await world.find("casey", "casey", types=("member",)) == [
        ("member", world.people["casey"].id)
    ]


async def test_a_members_privacy_setting_decides_who_finds_them(world):
    # given gil (Globex) limits his profile to his colleagues, through the identity service
    gil = world.people["gil"]

    async def choose(visibility: ProfileVisibility) -> None:
        changes = identity_service.ProfileChanges(profile_visibility=visibility)
        await identity_service.update_profile(world.session, world.actor("gil"), gil.id, changes)
        await world.session.commit()
        await world.index_pending()

    await world.index_pending()
    assert await world.find("casey", "grissom") == [("member", gil.id)]
    # when
    await choose(ProfileVisibility.ACCOUNT)
    # then
    assert await world.find("casey", "grissom") == []  # another customer
    assert await world.find("casey", "gri", types=("member",)) == []  # prefix too
    assert await world.find("hana", "grissom") == [("member", gil.id)]  # a colleague
    assert await world.find("csm", "grissom") == [("member", gil.id)]  # staff
    assert await world.find("gil", "grissom") == [("member", gil.id)]  # himself
    # when staff only
    await choose(ProfileVisibility.STAFF)
    # then
    assert await world.find("hana", "grissom") == []
    assert await world.find("gil", "grissom") == [("member", gil.id)]
    assert await world.find("admin", "grissom") == [("member", gil.id)]
    # when open again
    await choose(ProfileVisibility.COMMUNITY)
    assert await world.find("casey", "grissom") == [("member", gil.id)]


async def test_filtering_by_someone_elses_account_is_for_staff(world):
    from domain.shared.errors import Forbidden

    globex = world.accounts["globex"].id
    await world.index_pending()
    with pytest.raises(Forbidden):
        await world.find("casey", "", types=("member",), filters={"account": (globex,)})
    own = await world.find("gil", "", types=("member",), filters={"account": (globex,)})
    assert {i for _, i in own} == {world.people["gil"].id, world.people["hana"].id}
    assert len(await world.find("csm", "", types=("member",), filters={"account": (globex,)})) == 2


# --- staying in step ----------------------------------------------------------------------------


async def test_an_edit_shows_up_after_the_indexer_runs(world):
    # given
    thread, opening = await world.start("casey", "general", "Export question", "old wording")
    reply = await world.reply("gil", thread, "first draft answer")
    await world.index_pending()
    # when
    await posting.edit_post(
        world.session,
        world.actor("casey"),
        RULES,
        utcnow(),
        opening.id,
        "narwhal wording",
        title="Narwhal export",
    )
    await posting.edit_post(
        world.session, world.actor("gil"), RULES, utcnow(), reply.id, "final platypus answer"
    )
    await world.session.commit()
    # then: not yet, then yes
    assert await world.find("casey", "narwhal") == []
    await world.index_pending()
    assert await world.find("casey", "narwhal") == [("thread", thread.id)]
    assert await world.find("casey", "platypus") == [("post", reply.id)]
    assert await world.find("casey", "draft") == []
    assert await world.find("casey", "wording", types=("thread",)) == [("thread", thread.id)]


async def test_a_deleted_post_disappears(world):
    # given
    thread, opening = await world.start("casey", "general", "Ocelot thread", "ocelot opening")
    reply = await world.reply("gil", thread, "ocelot reply")
    await world.index_pending()
    # when the reply is deleted
    await posting.delete_post(world.session, world.actor("gil"), utcnow(), reply.id)
    await world.session.commit()
    await world.index_pending()
    # then
    assert await world.find("gil", "ocelot") == [("thread", thread.id)]
    # when the opening post is deleted, the thread and its replies go
    other = await world.reply("hana", thread, "another ocelot reply")
    await posting.delete_post(world.session, world.actor("casey"), utcnow(), opening.id)
    await world.session.commit()
    await world.index_pending()
    assert await world.find("hana", "ocelot") == []
    assert await world.find("casey", "ocelot") == []
    # moderators still reach deleted content, as everywhere else
    assert ("post", other.id) in await world.find("mod", "ocelot")


async def test_a_crash_between_commit_and_indexing_loses_nothing(world, open_index):
    # given a committed write whose worker died before indexing it
    thread, _ = await world.start("casey", "general", "Capybara care", "capybara")
    assert any(e.topic == events.THREAD_CREATED for e in await _pending(world.session))
    assert await world.find("gil", "capybara") == []
    # and a worker that wrote the index but died before the outbox row was marked done
    event = next(e for e in await _pending(world.session) if e.topic == events.THREAD_CREATED)
    async with world.session_factory() as doomed:
        await doomed.begin()
        from domain.shared.outbox import Delivery

        delivery = Delivery(doomed, await doomed.get(OutboxEvent, event.id))
        await Indexer(world.index).on_event(delivery)
        await delivery.flush_batches()  # the index write, as the end of a pass does it
        await doomed.rollback()
    # when a new process starts, with a fresh connection to the same index
    restarted = open_index()
    handled = await world.index_pending(restarted)
    # then everything is indexed exactly once and nothing is left pending
    assert handled >= 2
    assert await _pending(world.session) == []
    world.index = restarted
    assert await world.find("gil", "capybara") == [("thread", thread.id)]


async def test_handling_an_event_twice_changes_nothing(world):
    thread, _ = await world.start("casey", "general", "Axolotl facts", "axolotl")
    await world.index_pending()
    before = await world.search("gil", "axolotl", facets=True)
    for event in (await world.session.scalars(select(OutboxEvent))).all():
        event.processed_at = None
    await world.session.commit()
    await world.index_pending()
    after = await world.search("gil", "axolotl", facets=True)
    assert [h.id for h in after.hits] == [h.id for h in before.hits] == [thread.id]
    assert after.facets == before.facets


# --- bad input ----------------------------------------------------------------------------------


async def test_long_queries_unknown_types_and_unknown_filters(world):
    # given
    thread, _ = await world.start("casey", "general", "Pelican briefing", "pelican")
    await world.index_pending()
    long_query = ("pelican briefing " + " ".join(f"zz{n}" for n in range(300)))[:1000]
    # then: 1,000 characters are fine; words past the tenth are ignored, and words that match
    # nothing are dropped from the end until something matches (as Meilisearch does)
    assert len(long_query) == 1000
    assert await world.find("gil", long_query) == [("thread", thread.id)]
    assert await world.find("gil", "q" * 1000) == []
    with pytest.raises(SearchError) as too_long:
        await world.find("gil", "p" * 1001)
    assert too_long.value.code is SearchErrorCode.QUERY_TOO_LONG
    with pytest.raises(SearchError) as unknown_type:
        await world.find("gil", "pelican", types=("webinar",))
    assert unknown_type.value.code is SearchErrorCode.UNKNOWN_TYPE
    assert (
        "known types: thread, post, member, idea, case_study, testimonial, advocate_profile"
        in unknown_type.value.message
    )
    with pytest.raises(SearchError) as unknown_filter:
        await world.find("gil", "pelican", types=("member",), filters={"space": (1,)})
    assert unknown_filter.value.code is SearchErrorCode.UNKNOWN_FILTER
    assert "known filters: account" in unknown_filter.value.message
    with pytest.raises(SearchError) as bad_value:
        await world.find("gil", "pelican", filters={"space": ("general",)})
    assert bad_value.value.code is SearchErrorCode.INVALID_FILTER


async def test_punctuation_and_operators_are_just_text(world):
    thread, _ = await world.start(
        "casey", "general", "NEAR OR AND questions", 'quotes " and * stars'
    )
    await world.index_pending()
    for query in ('"', "*", "NEAR(", "OR", 'quotes" AND', "-stars", "{title}: x", "  "):
        await world.find("gil", query)  # no error
    assert ("thread", thread.id) in await world.find("gil", "questions NEAR OR")
