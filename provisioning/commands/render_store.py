"""`provisioning render-store sync`: bring this instance's render store in step now."""

from __future__ import annotations

import click

from provisioning.commands import app_command
from provisioning.phones.keeper import sync_store


@click.group("render-store")
def render_store() -> None:
    """The phones' rendered files (read by HTTPS and TFTP without the database)."""


@render_store.command("sync")
@click.option("--full", is_flag=True, help="Re-render every device, not only stale ones.")
@app_command
def sync(full: bool) -> None:
    """Render what is missing or stale and drop what is gone."""
    result = sync_store(full=full)
    click.echo(f"rendered {result['rendered']} devices, removed {result['removed']}, "
               f"{result['tenants']} tenants")


COMMANDS = [render_store]
