"""The text helpers both backends share."""

from search.documents.base import payload_ids
from search.filters import ALWAYS, NEVER, Eq, all_of, any_of, one_of
from search.text import (
    MARK_CLOSE,
    MARK_OPEN,
    deletions,
    edit_distance,
    plain_text,
    query_words,
    safe_highlight,
)


def test_edit_distance_counts_a_swap_as_one_typo_and_stops_past_the_limit():
    assert edit_distance("retires", "retries", 1) == 1
    assert edit_distance("pipelimes", "pipelines", 2) == 1
    assert edit_distance("kitten", "sitting", 3) == 3
    assert edit_distance("kitten", "sitting", 1) == 2  # limit + 1
    assert deletions("abc") == {"bc", "ac", "ab"}


def test_query_words_fold_case_and_accents_and_stop_at_ten():
    assert query_words("Crème BRÛLÉE, s'il-vous_plaît!") == [
        "creme",
        "brulee",
        "s",
        "il",
        "vous",
        "plait",
    ]
    assert len(query_words(" ".join(["word"] * 50))) == 10


def test_plain_text_and_highlights_are_safe():
    assert plain_text("<p>Hi <strong>all</strong></p><script>alert(1)</script>") == "Hi all"
    marked = f"a {MARK_OPEN}<b>{MARK_CLOSE} & c"
    assert safe_highlight(marked) == "a <mark>&lt;b&gt;</mark> &amp; c"
    assert safe_highlight("no match") is None


def test_filters_simplify():
    assert all_of(ALWAYS, Eq("a", 1)) == Eq("a", 1)
    assert all_of(Eq("a", 1), NEVER) == NEVER
    assert any_of(NEVER, Eq("a", 1), ALWAYS) == ALWAYS
    assert one_of("a", []) == NEVER


def test_payload_ids_find_both_sides_of_a_merge():
    payload = {"thread_id": 1, "target_thread_id": "2", "post_ids": [3, 4], "kind": "x"}
    assert payload_ids(payload, "thread_id") == {1, 2}
    assert payload_ids(payload, "post_id") == {3, 4}
