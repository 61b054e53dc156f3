"""`provisioning serve`: the production service of one instance, supervised."""

from __future__ import annotations

import click
from flask import current_app

from provisioning.commands import app_command
from provisioning.discovery.process import discovery_specs
from provisioning.server import (
    default_workers,
    gunicorn_spec,
    phone_front,
    service_specs,
    worker_spec,
)
from provisioning.sipcore.lifecycle import core_specs
from provisioning.supervisor import Supervisor
from provisioning.tls.certificates import TlsSetupError
from provisioning.tls.nginx import NginxError
from tftp.process import tftp_spec


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address the web server listens on (behind the TLS proxy: loopback).")
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--workers", default=None, type=int, help="Web worker processes (default: cores).")
@click.option("--threads", default=4, show_default=True, type=int)
@app_command
def serve(host: str, port: int, workers: int | None, threads: int) -> None:
    """Run the web server, the job worker and nginx (TLS for the phones, on
    PROVISIONING_PHONE_HTTPS_HOST/PORT); restart any that dies; stop on SIGTERM."""
    try:
        front = phone_front(current_app.instance_path, current_app.config, host, port)
    except (TlsSetupError, NginxError) as exc:
        raise click.ClickException(str(exc)) from None
    supervisor = Supervisor(service_specs(
        front, gunicorn_spec(host, port, workers or default_workers(), threads), worker_spec(),
        tftp_spec(), *core_specs(current_app), *discovery_specs(current_app.config)))
    raise SystemExit(supervisor.run())


COMMANDS = [serve]
