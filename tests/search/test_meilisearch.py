"""The Meilisearch backend's request shapes, checked without a server: filters, settings and
tenant tokens (the contract suite runs the rest against a server when one is configured)."""

import base64
import json
from dataclasses import replace
from datetime import timedelta

from domain.shared.models import utcnow
from search.backends.meili import MeilisearchBackend, index_settings, to_filter
from search.documents import DOCUMENT_TYPES
from search.engine import SearchIndex
from search.permissions import Viewer

CUSTOMER = Viewer(
    member_id=7, account_id=3, is_staff=False, is_moderator=False, program_ids=frozenset({2, 5})
)
STAFF = Viewer(member_id=1, account_id=1, is_staff=True, is_moderator=True, program_ids=frozenset())
KEY_UID = "6062abda-a5aa-4414-ac91-ecd7944c0f8d"


def test_permission_filters_in_meilisearch_syntax():
    threads, posts, members = (DOCUMENT_TYPES[t] for t in ("thread", "post", "member"))
    assert to_filter(threads.visibility(CUSTOMER)) == (
        '((space_visibility = "PUBLIC" OR (space_visibility = "ACCOUNT" AND space_account_id = 3)'
        ' OR (space_visibility = "PROGRAM" AND space_program_id IN [2, 5]))'
        " AND deleted = false AND (hidden = false OR author_id = 7))"
    )
    assert "thread_hidden = false OR thread_author_id = 7" in str(
        to_filter(posts.visibility(CUSTOMER))
    )
    assert '(status = "HELD" AND author_id = 7)' in str(to_filter(posts.visibility(CUSTOMER)))
    assert to_filter(members.visibility(CUSTOMER)) == (
        '((status = "ACTIVE" OR account_id = 3) AND (member_id = 7'
        ' OR visibility = "COMMUNITY" OR (visibility = "ACCOUNT" AND account_id = 3)))'
    )
    assert to_filter(threads.visibility(STAFF)) is None
    no_programs = Viewer(7, 3, False, False, frozenset())
    assert "PROGRAM" not in str(to_filter(threads.visibility(no_programs)))
    assert to_filter(threads.visibility(no_programs)) is not None


def test_advocacy_filters_in_meilisearch_syntax():
    # given a customer searching at a known moment, and a marketer
    customer = replace(CUSTOMER, at=1_800_000_000)
    marketer = replace(STAFF, is_moderator=False, runs_advocacy=True)
    studies, quotes, profiles = (
        DOCUMENT_TYPES[t] for t in ("case_study", "testimonial", "advocate_profile")
    )
    # then: their own, or published and usable at that moment (a number compared)
    assert to_filter(studies.visibility(customer)) == "(member_id = 7 OR usable_until > 1800000000)"
    assert to_filter(quotes.visibility(customer)) == "member_id = 7"
    assert to_filter(profiles.visibility(customer)) == "member_id = 7"
    # staff who do not run advocacy (product, moderators) see only their own too
    assert to_filter(quotes.visibility(STAFF)) == "member_id = 1"
    for doc_type in (studies, quotes, profiles):
        assert to_filter(doc_type.visibility(marketer)) is None
    settings = index_settings(studies)
    assert {"usable_until", "industries", "products", "region", "approval_state"} <= set(
        settings["filterableAttributes"]
    )
    assert settings["searchableAttributes"][0] == "title"


def test_settings_rank_titles_first_and_make_every_attribute_filterable():
    settings = index_settings(DOCUMENT_TYPES["thread"])
    assert settings["searchableAttributes"] == ["title", "tags", "body"]
    assert {"space_id", "space_visibility", "hidden", "deleted", "tags"} <= set(
        settings["filterableAttributes"]
    )
    assert settings["typoTolerance"]["minWordSizeForTypos"] == {"oneTypo": 5, "twoTypos": 9}
    assert settings["rankingRules"][-1] == "created_at:desc"
    assert settings["synonyms"]["sso"] == ["saml", "oidc"]


def test_tenant_tokens_carry_the_viewers_filters():
    backend = MeilisearchBackend(
        "http://meili.internal:7700",
        prefix="bf_",
        tenant_key="a-search-key",
        tenant_key_uid=KEY_UID,
        public_url="https://search.example",
    )
    index = SearchIndex(backend)
    expires = utcnow() + timedelta(hours=1)
    # when
    issued = index.tenant_token(CUSTOMER, expires)
    # then
    assert issued is not None and issued.url == "https://search.example"
    assert issued.indexes == {
        "thread": "bf_threads",
        "post": "bf_posts",
        "member": "bf_members",
        "idea": "bf_ideas",
        "case_study": "bf_case_studies",
        "testimonial": "bf_testimonials",
        "advocate_profile": "bf_advocate_profiles",
    }
    payload = _claims(issued.token)
    assert payload["apiKeyUid"] == KEY_UID and payload["exp"] == int(expires.timestamp())
    for name, uid in issued.indexes.items():
        expected = to_filter(DOCUMENT_TYPES[name].visibility(CUSTOMER))
        assert payload["searchRules"][uid] == {"filter": expected}
    staff = _claims(index.tenant_token(STAFF, expires).token)  # type: ignore[union-attr]
    assert staff["searchRules"]["bf_threads"] == {}
    # no tenant key configured: no token
    assert SearchIndex(MeilisearchBackend("http://x")).tenant_token(CUSTOMER, expires) is None


def _claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
