"""`provisioning sip ...`: the bundled SIP core from the command line."""

from __future__ import annotations

import json

import click
from flask import current_app

from pbx.kamailio.schema import ensure_schema
from provisioning.commands import app_command
from provisioning.extensions import db
from provisioning.sipcore.core import kamailio_settings, sip_core
from provisioning.sipcore.lifecycle import core_spec
from provisioning.sipcore.sync import reconcile
from provisioning.supervisor import Supervisor


@click.group("sip")
def sip() -> None:
    """The bundled SIP core (Kamailio)."""


@sip.command("reconcile")
@app_command
def reconcile_command() -> None:
    """Write Kamailio's subscribers and domains again from the service's database."""
    if sip_core() is None:
        raise click.ClickException("no SIP core configured (SIP_CORE is none)")
    ensure_schema(kamailio_settings(current_app).db_url)
    counts = reconcile(db.session)
    db.session.commit()
    click.echo(json.dumps(counts, sort_keys=True))


@sip.command("run")
@app_command
def run_command() -> None:
    """Run the SIP core alone in the foreground, supervised (a host of its own)."""
    spec = core_spec(current_app)
    if spec is None:
        raise click.ClickException("no SIP core configured (SIP_CORE is none)")
    db.session.remove()
    db.engine.dispose()
    raise SystemExit(Supervisor([spec]).run())


COMMANDS = [sip]
