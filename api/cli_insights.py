"""`bondfire clv`, `bondfire import crm` and `bondfire insights`: the analyst's commands.

The `clv` commands need no database: they fit a model to numbers given on the command line or
in a CSV file and print one JSON object, so the models can be checked on public data.
"""

import csv
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

clv_app = typer.Typer(help="Fit the CLV models; each prints one JSON object.", no_args_is_help=True)
import_app = typer.Typer(help="Import data from other systems.", no_args_is_help=True)
insights_app = typer.Typer(help="Attribution, CLV and bonding figures.", no_args_is_help=True)


def _cli_error(message: str) -> Exception:
    from api.cli import CliError

    return CliError(message)


def _print(result: dict[str, Any]) -> None:
    typer.echo(
        json.dumps({k: round(v, 6) if isinstance(v, float) else v for k, v in result.items()})
    )


def _columns(path: Path, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    if not path.is_file():
        raise _cli_error(f"no such file: {path}")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [n for n in names if n not in (reader.fieldnames or [])]
        if missing:
            raise _cli_error(f"{path.name}: missing column(s) {', '.join(missing)}")
        values: dict[str, list[float]] = {n: [] for n in names}
        for record in reader:
            for n in names:
                try:
                    number = float(record[n])
                except (TypeError, ValueError):
                    raise _cli_error(
                        f"{path.name} line {reader.line_num}: {n} {record[n]!r} is not a number"
                    ) from None
                if not math.isfinite(number):
                    raise _cli_error(f"{path.name} line {reader.line_num}: {n} is not finite")
                values[n].append(number)
    return {n: np.array(v, dtype=float) for n, v in values.items()}


def _fitted(fit: Callable[[], Any]) -> Any:
    try:
        return fit()
    except ValueError as error:
        raise _cli_error(str(error)) from error


@clv_app.command("fit-sbg")
def fit_sbg(
    survivors: Annotated[
        str,
        typer.Option(
            help="Customers active at the start and at the end of each period, "
            "comma-separated, e.g. 1000,869,743,653"
        ),
    ],
) -> None:
    """Shifted-beta-geometric retention from one cohort's survivor counts."""
    from domain.insights.clv import sbg

    try:
        counts = [float(part) for part in survivors.split(",") if part.strip()]
    except ValueError:
        raise _cli_error("--survivors takes numbers separated by commas") from None
    _print(_fitted(lambda: sbg.fit_survivors(counts)).as_dict())


@clv_app.command("fit-bgnbd")
def fit_bgnbd(
    summary: Annotated[
        Path,
        typer.Option(
            help="CSV with frequency, recency and T per customer (lifetimes "
            "convention: repeat purchases, time of the last, age)."
        ),
    ],
) -> None:
    """BG/NBD purchase model (r, alpha, a, b) by maximum likelihood."""
    from domain.insights.clv import bgnbd

    data = _columns(summary, ("frequency", "recency", "T"))
    _print(_fitted(lambda: bgnbd.fit(data["frequency"], data["recency"], data["T"])).as_dict())


@clv_app.command("fit-gamma-gamma")
def fit_gamma_gamma(
    summary: Annotated[
        Path,
        typer.Option(
            help="CSV with frequency and monetary_value per customer; "
            "customers with frequency 0 are ignored."
        ),
    ],
) -> None:
    """Gamma-Gamma spend model (p, q, v) by maximum likelihood."""
    from domain.insights.clv import gamma_gamma

    data = _columns(summary, ("frequency", "monetary_value"))
    _print(_fitted(lambda: gamma_gamma.fit(data["frequency"], data["monetary_value"])).as_dict())


# --- import and recompute (need the database) -----------------------------------------------


@import_app.command("crm")
def import_crm(
    file: Annotated[Path, typer.Argument(help="The CSV export (UTF-8, header line).")],
    kind: Annotated[
        str, typer.Option(help="accounts, contracts, transactions, opportunities or touches.")
    ],
    as_email: Annotated[
        str,
        typer.Option(
            "--as", help="E-mail of the staff member importing (written to the audit log)."
        ),
    ] = "",
    dry_run: Annotated[
        bool, typer.Option(help="Check every row and report; change nothing.")
    ] = False,
) -> None:
    """Upsert CRM rows keyed by their external ids. Nothing is imported if any row is bad;
    every bad row is reported with its line number and reason."""
    from api.cli import _in_session
    from api.settings import Settings
    from domain.insights.services.imports import ImportKind, ImportRejected, import_csv

    try:
        chosen = ImportKind(kind.strip().upper())
    except ValueError:
        raise _cli_error(
            f"unknown kind {kind!r}; one of {', '.join(k.value.lower() for k in ImportKind)}"
        ) from None
    if not file.is_file():
        raise _cli_error(f"no such file: {file}")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise _cli_error(f"{file.name} is not UTF-8 text: {error.reason}") from None
    lines = max(0, text.count("\n") - 1)

    async def work(session: Any) -> Any:
        actor = await _importer(session, as_email)
        with typer.progressbar(
            length=lines or 1, label=f"importing {chosen.value.lower()}", file=None
        ) as bar:
            return await import_csv(
                session, actor, chosen, text, dry_run=dry_run, progress=bar.update
            )

    try:
        report = _in_session(Settings(), work, commit=not dry_run)
    except ImportRejected as rejected:
        report = rejected.report
    for problem in report.problems:
        typer.echo(f"{file.name}: {problem}", err=True)
    if report.problems:
        typer.echo(
            f"{len(report.problems)} problem(s) in {report.rows} rows: nothing imported", err=True
        )
        raise typer.Exit(1)
    verb = "would import" if dry_run else "imported"
    typer.echo(
        f"{verb} {report.rows} {chosen.value.lower()}: {report.created} new, "
        f"{report.updated} updated, {report.unchanged} unchanged"
    )


async def _importer(session: Any, email: str) -> Any:
    """The staff member the import runs as: --as, else the first active admin."""
    from sqlalchemy import select

    from domain.identity import repository
    from domain.identity.models import Account, Member, MemberRole, MemberStatus, Role
    from domain.identity.policies import actor_for

    if email:
        member = await repository.member_by_email(session, email)
        if member is None:
            raise _cli_error(f"no member with e-mail {email.strip().lower()}")
    else:
        found = await session.scalar(
            select(Member.email)
            .join(MemberRole, MemberRole.member_id == Member.id)
            .where(MemberRole.role == Role.ADMIN, Member.status == MemberStatus.ACTIVE)
            .order_by(Member.id)
            .limit(1)
        )
        if found is None:
            raise _cli_error("no active admin to import as; pass --as EMAIL")
        member = await repository.member_by_email(session, found)
    if member is None:
        raise _cli_error("the importing member vanished; try again")
    account = await session.get(Account, member.account_id)
    return actor_for(member, account.kind)


@insights_app.command("recompute")
def recompute(
    bootstrap: Annotated[
        int, typer.Option(help="Bootstrap resamples for uplift intervals.", min=0, max=10_000)
    ] = 200,
) -> None:
    """Recompute everything: referrers, attribution credits, model fits, account CLV and
    bonding scores, retention uplift. Progress bars per stage."""
    from api.cli import _in_session
    from api.settings import Settings
    from domain.insights.services.recompute import recompute_all

    bars: list[Any] = []

    def step(label: str, total: int | None) -> Callable[[int], None]:
        for bar in bars:
            bar.__exit__(None, None, None)
        bars.clear()
        bar = typer.progressbar(length=total or 0, label=label) if total else None
        if bar is None:
            typer.echo(f"{label} ...", err=True)
            return lambda n: None
        bar.__enter__()
        bars.append(bar)
        return bar.update

    async def work(session: Any) -> Any:
        try:
            return await recompute_all(session, bootstrap=bootstrap, step=step)
        finally:
            for bar in bars:
                bar.__exit__(None, None, None)

    summary = _in_session(Settings(), work, commit=True)
    typer.echo(
        f"recomputed: {summary.credits} attribution credits, {summary.accounts} accounts, "
        f"{summary.uplift_scopes} uplift scopes, {summary.referrers_linked} referrals linked"
    )
