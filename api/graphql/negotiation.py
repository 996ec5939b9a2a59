"""Media types of GraphQL over HTTP: which response type a client accepts, what a POST carries."""

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"


def media_type(header: str) -> tuple[str, dict[str, str]]:
    """`type/subtype` in lowercase and its parameters (names lowercase, quotes dropped)."""
    media, *raw_params = header.split(";")
    params = {}
    for raw in raw_params:
        name, _, value = raw.partition("=")
        params[name.strip().lower()] = value.strip().strip('"')
    return media.strip().lower(), params


def response_media_type(accept: str | None) -> str | None:
    """The response media type for an Accept header; None if the client accepts neither.

    No Accept header, `*/*` and `application/*` get `application/json`, which every client
    understands; `application/graphql-response+json` wins when named with a quality at least
    that of `application/json`.
    """
    if accept is None or not accept.strip():
        return JSON
    best: tuple[float, int, str] | None = None
    for part in accept.split(","):
        media, params = media_type(part)
        try:
            quality = float(params.get("q", "1"))
        except ValueError:
            quality = 0.0
        charset = params.get("charset", "utf-8").lower()
        if quality <= 0 or charset != "utf-8":
            continue
        if media == GRAPHQL_RESPONSE_JSON:
            candidate = (quality, 2, GRAPHQL_RESPONSE_JSON)
        elif media == JSON:
            candidate = (quality, 1, JSON)
        elif media in ("*/*", "application/*"):
            candidate = (quality, 0, JSON)
        else:
            continue
        best = candidate if best is None else max(best, candidate)
    return best[2] if best else None


def unsupported_request_media(content_type: str | None) -> str | None:
    """Why a POST body's Content-Type is refused (HTTP 415), or None if it is JSON in UTF-8."""
    if not content_type:
        return "send the request as Content-Type: application/json"
    media, params = media_type(content_type)
    if media != JSON:
        return f"unsupported media type {media!r}: send application/json"
    if params.get("charset", "utf-8").lower() != "utf-8":
        return "the request body must be encoded in UTF-8"
    return None
