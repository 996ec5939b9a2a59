"""Markdown to safe HTML, done once on write. markdown-it-py parses; nh3 (ammonia) sanitizes.

Raw HTML in the source is escaped, not passed through; the sanitizer is the second wall: only an
allow-list of tags and attributes survives, links keep http(s)/mailto only and get
rel="nofollow ugc noopener", so no script, event handler or javascript: URL can reach a reader.
"""

import html as html_entities
import re
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt

_PARSER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "blockquote",
    "pre",
    "code",
    "em",
    "strong",
    "del",
    "s",
    "a",
    "img",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "code": {"class"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}

# @handle at a word start; handles are [a-z0-9_] (see identity.service.unique_handle).
_MENTION = re.compile(r"(?<![\w@/])@([a-z0-9_]{1,40})\b", re.IGNORECASE)
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)
_LINK = re.compile(r"\]\(|<https?://|https?://", re.IGNORECASE)


@dataclass(frozen=True)
class Rendered:
    html: str
    mentions: list[str]  # lower-cased handles, first occurrence order
    has_links: bool


def render(markdown: str) -> Rendered:
    html = nh3.clean(
        _PARSER.render(markdown),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow ugc noopener",
    )
    prose = _CODE.sub(" ", markdown)  # a handle inside code is an example, not a mention
    mentions = list(dict.fromkeys(m.lower() for m in _MENTION.findall(prose)))
    return Rendered(html=html, mentions=mentions, has_links=bool(_LINK.search(prose)))


def quote(markdown: str, author_handle: str) -> str:
    """A Markdown block quote of another post, attributed, to prepend to a reply."""
    quoted = "\n".join(f"> {line}" if line else ">" for line in markdown.strip().splitlines())
    return f"> **@{author_handle}** wrote:\n>\n{quoted}\n\n"


EXCERPT_CHARS = 240


def excerpt(rendered_html: str, max_chars: int = EXCERPT_CHARS) -> str:
    """A post's teaser: the plain text of its sanitized HTML, quotes left out (they repeat
    another post), whitespace collapsed, cut at a word boundary with an ellipsis."""
    text = nh3.clean(rendered_html, tags=set(), attributes={}, clean_content_tags={"blockquote"})
    text = " ".join(html_entities.unescape(text).split())
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    if " " in cut[max_chars // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" .,;:") + "…"
