"""Query plans of the statements one request sent, run with the request's own parameters.

SQLite: EXPLAIN QUERY PLAN. PostgreSQL: EXPLAIN ANALYZE of the custom plan (the values known),
and of the generic plan, which PostgreSQL switches to from the sixth execution of a prepared
statement, as the app's asyncpg connections prepare and cache every statement. Each statement is
also timed through the driver, ten runs on one connection: on PostgreSQL runs 1-5 get custom
plans, runs 6-10 the cached generic one when PostgreSQL prefers it.
"""

import asyncio
import statistics
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.shared.database import create_engine

RUNS = 10
PG_KEEP = ("->", "Index Cond", "Filter", "Rows Removed", "Sort Key", "Heap Fetches", "Execution")


def explain(url: str, statements: Sequence[str], parameters: Sequence[Any]) -> list[list[str]]:
    return asyncio.run(_explain(url, statements, parameters))


async def _explain(
    url: str, statements: Sequence[str], parameters: Sequence[Any]
) -> list[list[str]]:
    engine = create_engine(url)
    plans = []
    try:
        async with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            for statement, params in zip(statements, parameters, strict=True):
                timing = await _times(connection, statement, params)
                if sqlite:
                    plan = "EXPLAIN QUERY PLAN " + statement
                    lines = _sqlite_lines((await connection.exec_driver_sql(plan, params)).all())
                else:
                    lines = await _pg_plans(connection, statement, params)
                plans.append([timing, *lines])
            await connection.rollback()
    finally:
        await engine.dispose()
    return plans


async def _times(connection: AsyncConnection, statement: str, params: Any) -> str:
    seconds, found = [], 0
    for _ in range(RUNS):
        started = time.perf_counter()
        found = len((await connection.exec_driver_sql(statement, params)).all())
        seconds.append((time.perf_counter() - started) * 1000)
    first, then = statistics.median(seconds[:5]), statistics.median(seconds[5:])
    return f"{found} rows; through the driver: runs 1-5 {first:.2f} ms, runs 6-10 {then:.2f} ms"


async def _pg_plans(
    connection: AsyncConnection, statement: str, params: Sequence[Any]
) -> list[str]:
    custom = await connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
    lines = ["custom plan:", *_pg_lines(custom.all())]
    values = ", ".join(_literal(v) for v in params)
    await connection.exec_driver_sql(f"PREPARE bench_plan AS {statement}")
    await connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
    generic = await connection.exec_driver_sql(
        f"EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_plan{f'({values})' if params else ''}"
    )
    await connection.exec_driver_sql("RESET plan_cache_mode")
    await connection.exec_driver_sql("DEALLOCATE bench_plan")
    return [*lines, "generic plan:", *_pg_lines(generic.all())]


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + text.replace("'", "''") + "'"


def _sqlite_lines(rows: Sequence[Any]) -> list[str]:
    depth: dict[int, int] = {0: 0}
    lines = []
    for node_id, parent, _unused, detail in rows:
        depth[node_id] = depth.get(parent, 0) + 1
        lines.append("  " * (depth[node_id] - 1) + detail)
    return lines


def _pg_lines(rows: Sequence[Any]) -> list[str]:
    lines = [row[0] for row in rows]
    kept = [lines[0]] + [line for line in lines[1:] if line.strip().startswith(PG_KEEP)]
    return ["  " + _short(line) for line in kept]


def _short(line: str, width: int = 170) -> str:
    return line if len(line) <= width else line[: width - 3] + "..."


def one_line(statement: str, width: int = 150) -> str:
    flat = " ".join(statement.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."
