"""`bondfire privacy`: a member's personal data, for the operator who answers a data subject's
request (GDPR Art. 15, 17 and 20) outside the API. Every run is in the audit log."""

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

privacy_app = typer.Typer(
    help="Export or erase a member's personal data (GDPR).", no_args_is_help=True
)


def _cli_error(message: str) -> Exception:
    from api.cli import CliError

    return CliError(message)


@privacy_app.command("export")
def export(
    member: Annotated[int, typer.Option(help="The member's id.", min=1)],
    out: Annotated[
        Path | None,
        typer.Option(help="Write the JSON here (created with mode 0600) instead of stdout."),
    ] = None,
) -> None:
    """Print everything Bondfire holds about a member as one JSON document."""
    from api.cli import _in_session
    from api.settings import Settings
    from domain.identity.erasure import export_personal_data
    from domain.shared.models import utcnow

    async def work(session: Any) -> dict[str, Any]:
        return await export_personal_data(session, None, member, utcnow())

    document = _in_session(Settings(), work, commit=True)  # commit: the audit entry
    text = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True)
    if out is None:
        typer.echo(text)
        return
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
    typer.echo(f"wrote the personal data of member {member} to {out}", err=True)


@privacy_app.command("erase")
def erase(
    member: Annotated[int, typer.Option(help="The member's id.", min=1)],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: erasure cannot be undone.")] = False,
    reason: Annotated[str | None, typer.Option(help="Kept in the audit log.")] = None,
) -> None:
    """Erase a member's personal data now, everywhere (the member row stays, anonymised)."""
    from api.cli import _in_session
    from api.settings import Settings
    from domain.identity.erasure import Erasure, erase_member
    from domain.shared.models import utcnow

    if not yes:
        raise _cli_error("erasure cannot be undone: add --yes to confirm")

    async def work(session: Any) -> Erasure:
        return await erase_member(session, None, member, utcnow(), reason)

    done = _in_session(Settings(), work, commit=True)
    if done.already_erased:
        typer.echo(f"member {member} was erased before: nothing changed")
        return
    typer.echo(
        f"erased member {member}; search and other consumers follow through the outbox "
        "(`bondfire worker`, or the API's embedded worker)"
    )
    typer.echo(json.dumps(done.report, sort_keys=True))


@privacy_app.command("erase-due")
def erase_due() -> None:
    """Carry out the erasure requests whose grace period is over (run it daily, e.g. cron)."""
    from api.cli import _in_session
    from api.settings import Settings
    from domain.identity import erasure
    from domain.shared.models import utcnow

    async def work(session: Any) -> list[int]:
        return await erasure.erase_due(session, utcnow())

    erased = _in_session(Settings(), work, commit=True)
    typer.echo(f"erased {len(erased)} member(s)" + (f": {erased}" if erased else ""))
