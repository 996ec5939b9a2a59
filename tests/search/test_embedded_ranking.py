"""The embedded engine's ranking rules and highlights, on their own: they replaced FTS5's bm25(),
highlight() and snippet(), so they must order and mark what those did."""

from search.backends.embedded.highlighting import Marker
from search.backends.embedded.matching import WordTerms
from search.backends.embedded.ranking import Ranker
from search.documents import DOCUMENT_TYPES
from search.settings import SNIPPET_WORDS
from search.text import ELLIPSIS, MARK_CLOSE, MARK_OPEN, safe_highlight

THREADS = DOCUMENT_TYPES["thread"]  # title (4), tags (2), body (1, cropped)


def test_title_over_tags_over_body_and_exact_over_prefix_over_typo():
    terms = [WordTerms("export", prefix=False), WordTerms("job", prefix=True)]
    ranker = Ranker(THREADS, terms, asked=2)
    titles = [
        "Nothing here",  # 0: both words only in the body
        "Export jobs",  # 1: exact + prefix in the title
        "export job",  # 2: both exact in the title
        "Exports",  # 3: "export" is not a prefix term: body
        "The EXPORT",  # 4: one exact in the title
        "export job",  # 5: as 2, older
    ]
    tags = [None, None, None, "job", None, None]
    ranked = [row for _, row in ranker.best([titles, tags], limit=6)]
    assert ranked == [2, 5, 1, 4, 3, 0]
    scores = dict((row, score) for score, row in ranker.best([titles, tags], limit=6))
    assert scores[0] == ranker.base and 0 < ranker.base < scores[3] < scores[2] <= 1


def test_typos_and_synonyms_rank_below_the_word_as_typed():
    terms = [WordTerms("pipelines", prefix=False, synonyms=("etl",), typos=("pipeline",))]
    ranker = Ranker(THREADS, terms, asked=1)
    ranked = [row for _, row in ranker.best([["pipeline", "etl", "pipelines"], [None] * 3], 3)]
    assert ranked == [2, 1, 0]


def test_dropped_words_cost_and_a_body_only_type_keeps_recency():
    full = Ranker(THREADS, [WordTerms("a", False), WordTerms("b", False)], asked=2)
    dropped = Ranker(THREADS, [WordTerms("a", False)], asked=2)
    assert dropped.base < full.base
    posts = Ranker(DOCUMENT_TYPES["post"], [WordTerms("a", False)], asked=1)
    assert not posts.reads_fields


def test_non_ascii_titles_are_folded_like_the_index():
    ranker = Ranker(THREADS, [WordTerms("cafe", prefix=False)], asked=1)
    ranked = ranker.best([["Un café crème", "nothing"], [None, None]], limit=2)
    assert [row for _, row in ranked] == [0, 1] and ranked[0][0] > ranked[1][0]


def test_highlights_mark_whole_words_prefixes_typos_and_phrases():
    marker = Marker.of(
        [
            WordTerms("export", prefix=False, typos=("exports",)),
            WordTerms("sso", prefix=False, synonyms=("single sign",)),
            WordTerms("sch", prefix=True),
        ]
    )
    marked = marker.mark("Exports & re-export: schedule single sign-on (reexport)", crop=False)
    assert safe_highlight(marked or "") == (
        "<mark>Exports</mark> &amp; re-<mark>export</mark>: <mark>schedule</mark> "
        "<mark>single</mark> <mark>sign</mark>-on (reexport)"
    )
    assert marker.mark("nothing to see", crop=False) is None


def test_long_fields_are_cropped_around_the_matches():
    marker = Marker.of([WordTerms("heron", prefix=False)])
    words = [f"w{n}" for n in range(60)]
    words[40] = "Heron"
    text = " ".join(words)
    marked = marker.mark(text, crop=True) or ""
    assert marked.startswith(ELLIPSIS) and marked.endswith(ELLIPSIS)
    shown = marked.strip(ELLIPSIS).split()
    assert len(shown) == SNIPPET_WORDS
    assert f"{MARK_OPEN}Heron{MARK_CLOSE}" in shown
    assert 5 <= shown.index(f"{MARK_OPEN}Heron{MARK_CLOSE}") <= SNIPPET_WORDS - 5  # centred
    short = marker.mark("a heron", crop=True)
    assert short == f"a {MARK_OPEN}heron{MARK_CLOSE}"
