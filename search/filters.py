"""A small filter language over document attributes, compiled by each backend (SQL for the
embedded engine, filter strings for Meilisearch). Permission filters and user filters are both
written in it, so one definition serves every backend and tenant tokens alike."""

from collections.abc import Iterable
from dataclasses import dataclass

Value = str | int | bool


@dataclass(frozen=True)
class Eq:
    field: str
    value: Value


@dataclass(frozen=True)
class In:
    field: str
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Greater:
    """field > value, for numbers: time limits such as "usable until" (epoch seconds)."""

    field: str
    value: int


@dataclass(frozen=True)
class AllOf:
    parts: tuple["Filter", ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple["Filter", ...]


@dataclass(frozen=True)
class Always:
    pass


@dataclass(frozen=True)
class Never:
    pass


Filter = Eq | In | Greater | AllOf | AnyOf | Always | Never

ALWAYS = Always()
NEVER = Never()


def one_of(field: str, values: Iterable[Value]) -> Filter:
    found = tuple(dict.fromkeys(values))
    if not found:
        return NEVER
    return Eq(field, found[0]) if len(found) == 1 else In(field, found)


def all_of(*parts: Filter) -> Filter:
    kept: list[Filter] = []
    for part in parts:
        if isinstance(part, Never):
            return NEVER
        if isinstance(part, AllOf):
            kept.extend(part.parts)
        elif not isinstance(part, Always):
            kept.append(part)
    if not kept:
        return ALWAYS
    return kept[0] if len(kept) == 1 else AllOf(tuple(kept))


def any_of(*parts: Filter) -> Filter:
    kept: list[Filter] = []
    for part in parts:
        if isinstance(part, Always):
            return ALWAYS
        if isinstance(part, AnyOf):
            kept.extend(part.parts)
        elif not isinstance(part, Never):
            kept.append(part)
    if not kept:
        return NEVER
    return kept[0] if len(kept) == 1 else AnyOf(tuple(kept))


def fields_of(condition: Filter) -> set[str]:
    match condition:
        case Eq(field=field) | In(field=field) | Greater(field=field):
            return {field}
        case AllOf(parts=parts) | AnyOf(parts=parts):
            return set().union(*(fields_of(p) for p in parts))
    return set()
