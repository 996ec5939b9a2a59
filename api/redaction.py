"""Keeps secrets out of the logs: bearer tokens, personal API tokens, and the OAuth/OIDC
parameters of URLs (uvicorn's access log prints `/auth/callback?code=…&state=…`)."""

import logging
import re

REDACTED = "[redacted]"
_PATTERNS = (
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), rf"\1 {REDACTED}"),
    (re.compile(r"\bbf_pat_[A-Za-z0-9_-]+"), REDACTED),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), REDACTED),  # JWTs
    (
        re.compile(
            r"(?i)([?&;\s\"'](?:code|state|nonce|code_verifier|token|access_token|id_token|"
            r"refresh_token|client_secret|password|session_state)=)[^&\s\"';]+"
        ),
        rf"\1{REDACTED}",
    ),
)


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Formats the message, redacts it, and drops the arguments (they could hold secrets)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler to report
            return True
        redacted = redact(message)
        if redacted != message or record.args:
            record.msg, record.args = redacted, None
        return True


def redact_root_handlers() -> None:
    """Adds the filter to every handler of the root logger (where every log line ends up)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(RedactSecrets())
