"""`provisioning discovery ...`: PnP responder, DHCP snippets, what is on per network."""

from __future__ import annotations

import json

import click
from flask import current_app
from sqlalchemy import select

from provisioning.commands import app_command
from provisioning.discovery.dhcp import SERVERS, VENDORS
from provisioning.errors import NotFound
from provisioning.extensions import db


@click.group("discovery")
def discovery() -> None:
    """Zero-touch discovery: multicast PnP, DHCP snippets, mDNS (README: "Discovery")."""


def _network(ref: str):
    """A network by id or by its CIDR."""
    from provisioning.discovery import service
    from provisioning.sites.models import Network

    if ref.isdigit():
        return service.get_network(int(ref))
    found = db.session.execute(select(Network.id).where(Network.cidr == ref)).scalar()
    if found is None:
        raise NotFound("network")
    return service.get_network(found)


@discovery.command("dhcp")
@click.option("--network", "network_ref", required=True, help="Network id or CIDR.")
@click.option("--server", type=click.Choice(SERVERS), required=True)
@click.option("--vendor", type=click.Choice(VENDORS), default=None,
              help="One vendor's phones (default: all).")
@app_command
def dhcp_command(network_ref: str, server: str, vendor: str | None) -> None:
    """Print the DHCP configuration for the phones of a network (include it in the server's)."""
    from provisioning.discovery import service

    click.echo(service.dhcp_snippet(_network(network_ref), server, vendor)["snippet"], nl=False)


@discovery.command("show")
@click.option("--network", "network_ref", required=True, help="Network id or CIDR.")
@app_command
def show_command(network_ref: str) -> None:
    """What is on for a network: PnP, the adoption window, who answers, the DHCP values."""
    from provisioning.discovery import service

    view = service.discovery(_network(network_ref))
    click.echo(json.dumps(view, indent=2, sort_keys=True, default=str))


@discovery.command("run")
@app_command
def run_command() -> None:
    """Answer multicast PnP and announce the instance over mDNS on DISCOVERY_INTERFACES, in the
    foreground until SIGTERM (the supervisor runs it)."""
    from provisioning.discovery.interfaces import InterfaceError
    from provisioning.discovery.runner import ListenError, run

    # The command's own session ends here: the process opens short ones per round.
    db.session.remove()
    try:
        run(current_app._get_current_object())  # type: ignore[attr-defined]
    except (ListenError, InterfaceError) as exc:
        raise click.ClickException(str(exc)) from None


COMMANDS = [discovery]
