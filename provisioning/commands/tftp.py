"""`provisioning tftp`: the TFTP server in the foreground (the supervisor runs it)."""

from __future__ import annotations

import click
from flask import current_app

from provisioning.commands import app_command


@click.command("tftp")
@click.option("--host", default=None, help="Address to listen on (default: TFTP_HOST).")
@click.option("--port", default=None, type=int, help="UDP port (default: TFTP_PORT, 6969).")
@app_command
def tftp(host: str | None, port: int | None) -> None:
    """Serve the phones' files over TFTP from the render store until SIGTERM.

    Never needs the database: files come from the render store; fetches are recorded when
    the database answers."""
    from tftp.service import ListenError, run

    try:
        run(current_app._get_current_object(), host, port)  # type: ignore[attr-defined]
    except ListenError as exc:
        raise click.ClickException(str(exc)) from None


COMMANDS = [tftp]
