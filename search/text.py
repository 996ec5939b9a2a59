"""Text handling shared by both backends: query words, plain text from HTML, typo distance, and
HTML-safe highlights."""

import html
import re
import unicodedata
from html.parser import HTMLParser

MAX_QUERY_CHARS = 1000
MAX_QUERY_WORDS = 10  # Meilisearch ignores words past the tenth; the embedded engine does too

# Highlight markers the backends put around matches. Private-use characters never occur in
# user text, so after HTML-escaping the snippet they are turned into <mark> tags safely.
MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"
ELLIPSIS = "…"

# Typo tolerance, as Meilisearch's defaults: one typo from 5 characters, two from 9.
ONE_TYPO_MIN_CHARS = 5
TWO_TYPOS_MIN_CHARS = 9

_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower case without diacritics: what the FTS5 `unicode61 remove_diacritics 2` tokenizer
    compares, so Python-side words match the index's terms."""
    if text.isascii():  # the common case, and nothing to decompose
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def query_words(query: str) -> list[str]:
    return words(query)[:MAX_QUERY_WORDS]


def max_typos(word: str) -> int:
    if len(word) >= TWO_TYPOS_MIN_CHARS:
        return 2
    return 1 if len(word) >= ONE_TYPO_MIN_CHARS else 0


def deletions(word: str) -> set[str]:
    """Every string one character shorter: the deletion neighbourhood used to find typo
    candidates (SymSpell): two words within one edit share a deletion, or one is the other's."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a swap of neighbours is one typo); stops early past
    `limit` and returns limit + 1 then."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


class _TextExtractor(HTMLParser):
    _SKIP = frozenset({"script", "style"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        else:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        else:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def plain_text(rendered_html: str) -> str:
    """The words of a post's sanitized HTML, without the Markdown punctuation of its source."""
    extractor = _TextExtractor()
    extractor.feed(rendered_html)
    extractor.close()
    return " ".join("".join(extractor.parts).split())


def safe_highlight(marked: str) -> str | None:
    """HTML-escapes a backend's marked-up text and turns the markers into <mark> tags; None if
    nothing in it matched."""
    if MARK_OPEN not in marked:
        return None
    escaped = html.escape(marked, quote=False)
    return escaped.replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>")
