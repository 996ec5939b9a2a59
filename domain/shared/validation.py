"""Small input checks shared by every context; each reports a Problem instead of raising at once."""

import re
from enum import StrEnum
from typing import Final
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from domain.shared.errors import Problem


class Keep:
    """Marks a field an update leaves as it is (distinct from None, which clears it)."""

    _instance: "Keep | None" = None

    def __new__(cls) -> "Keep":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = Keep()

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_TIMEZONES = frozenset(available_timezones())


class Checker:
    """Collects problems for one input so a form can show them all at once."""

    def __init__(self, code_invalid: StrEnum) -> None:
        self.problems: list[Problem] = []
        self._invalid = code_invalid

    def fail(self, field: str, message: str, code: StrEnum | None = None) -> None:
        self.problems.append(Problem(["input", field], message, code or self._invalid))

    def text(
        self, field: str, value: str | None, *, max_length: int, required: bool = False
    ) -> str | None:
        if value is None:
            if required:
                self.fail(field, f"{field} is required")
            return None
        value = value.strip()
        if required and not value:
            self.fail(field, f"{field} must not be blank")
        elif len(value) > max_length:
            self.fail(field, f"{field} must be at most {max_length} characters")
        return value or None

    def email(self, field: str, value: str, code: StrEnum) -> str:
        value = value.strip().lower()
        if len(value) > 320 or not EMAIL.match(value):
            self.fail(field, "not a valid e-mail address", code)
        return value

    def domain(self, field: str, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().lower()
        if not DOMAIN.match(value):
            self.fail(field, "not a valid domain name (like acme.com)")
        return value

    def url(self, field: str, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(value) > 2048:
            self.fail(field, "must be an http(s) URL of at most 2048 characters")
        return value

    def timezone(self, field: str, value: str | None) -> str | None:
        if value is not None and value not in _TIMEZONES:
            self.fail(field, "not an IANA time zone (like Europe/Berlin)")
        return value

    def list_size(self, field: str, values: list[object], maximum: int, code: StrEnum) -> None:
        if len(values) > maximum:
            self.fail(field, f"at most {maximum} items", code)

    def raise_if_any(self) -> None:
        from domain.shared.errors import ValidationFailed

        if self.problems:
            raise ValidationFailed(self.problems)
