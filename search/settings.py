"""Relevance settings both backends apply: synonyms (one word each way) and the highlight crop."""

# Words that find each other. Keep them single words: both engines expand one word at a time.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "sso": ("saml", "oidc"),
    "saml": ("sso",),
    "oidc": ("sso",),
    "k8s": ("kubernetes",),
    "kubernetes": ("k8s",),
    "etl": ("pipelines",),
}

SNIPPET_WORDS = 16  # words of context in a cropped highlight
