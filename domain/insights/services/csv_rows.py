"""CSV rows from a CRM export, checked field by field. Every problem names its line and column."""

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

E = TypeVar("E", bound=StrEnum)
_CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_AMOUNT = Decimal("999999999999.99")


@dataclass(frozen=True)
class RowProblem:
    line: int  # 1 is the header
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.reason}"


@dataclass
class Row:
    """One data row; `fail` records a problem and the parsers return None for a bad value."""

    line: int
    raw: dict[str, str]
    problems: list[RowProblem] = field(default_factory=list)

    def fail(self, column: str | None, reason: str) -> None:
        self.problems.append(RowProblem(self.line, column, reason))

    def text(self, column: str, *, max_length: int, required: bool = False) -> str | None:
        value = (self.raw.get(column) or "").strip()
        if not value:
            if required:
                self.fail(column, "is required")
            return None
        if len(value) > max_length:
            self.fail(column, f"at most {max_length} characters")
            return None
        return value

    def money(self, column: str, *, required: bool = True) -> Decimal | None:
        value = self.text(column, max_length=40, required=required)
        if value is None:
            return None
        try:
            amount = Decimal(value.replace(",", ""))
        except InvalidOperation:
            self.fail(column, f"{value!r} is not a number")
            return None
        if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
            self.fail(column, "must be between 0 and 999999999999.99")
            return None
        if amount != amount.quantize(Decimal("0.01")):
            self.fail(column, "at most two decimal places")
            return None
        return amount.quantize(Decimal("0.01"))

    def day(self, column: str, *, required: bool = False) -> date | None:
        value = self.text(column, max_length=10, required=required)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(column, f"{value!r} is not a date (YYYY-MM-DD)")
            return None

    def moment(self, column: str, *, required: bool = False) -> datetime | None:
        value = self.text(column, max_length=40, required=required)
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            self.fail(column, f"{value!r} is not an ISO-8601 time")
            return None
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)

    def choice(self, column: str, enum: type[E], *, default: E | None = None) -> E | None:
        value = self.text(column, max_length=40, required=default is None)
        if value is None:
            return default
        try:
            return enum(value.strip().upper().replace("-", "_").replace(" ", "_"))
        except ValueError:
            self.fail(column, f"{value!r} is not one of {', '.join(e.value for e in enum)}")
            return None

    def currency(self, column: str, expected: str) -> str:
        value = (self.text(column, max_length=3) or expected).upper()
        if not _CURRENCY.match(value):
            self.fail(column, f"{value!r} is not an ISO 4217 code")
        elif value != expected:
            self.fail(column, f"amounts must be in {expected} (Bondfire converts no currencies)")
        return value


def read_rows(
    text: str, required: Iterable[str], optional: Iterable[str]
) -> tuple[list[Row], list[RowProblem]]:
    """Rows of a CSV text with a header line; header problems stop reading."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        return [], [RowProblem(1, None, "the file is empty: a header line is needed")]
    reader.fieldnames = header
    known = set(required) | set(optional)
    problems = [RowProblem(1, c, "required column is missing") for c in required if c not in header]
    problems += [RowProblem(1, c, "unknown column") for c in header if c not in known]
    if len(set(header)) != len(header):
        problems.append(RowProblem(1, None, "a column appears twice"))
    if problems:
        return [], problems
    rows: list[Row] = []
    line = 1
    try:
        for record in reader:
            line = reader.line_num
            extra: Any = record.pop(None, None)  # type: ignore[call-overload]
            row = Row(line, {k: v or "" for k, v in record.items()})
            if extra:
                row.fail(None, "more values than columns")
            rows.append(row)
    except csv.Error as error:
        problems.append(RowProblem(line + 1, None, f"unreadable CSV: {error}"))
    return rows, problems
