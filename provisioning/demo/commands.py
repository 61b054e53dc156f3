"""`provisioning demo-run`: what `make run` ends with."""

from __future__ import annotations

import json
import os

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from provisioning.demo.seed import CREDENTIALS_FILE, load_credentials, seed_demo
from provisioning.discovery.process import discovery_specs
from provisioning.extensions import db
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


def _show(creds: dict, instance_path: str, base_url: str, phone_url: str) -> None:
    click.echo("")
    click.echo(f"Demo tenant ready. Credentials (also in {instance_path}/{CREDENTIALS_FILE}):")
    for role in ("superadmin", "user", "operator"):
        entry = creds[role]
        click.echo(f"  {role:<10} {entry['username']:<14} {entry['password']}")
    click.echo(f"API: {base_url}/api/v1/openapi.json   (README: 'Try it')")
    click.echo(f"Phones: {phone_url}/p/<tenant secret>/   (README: 'HTTPS for phones')")
    click.echo("")


@click.command("demo-run")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; loopback unless you mean otherwise.")
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--workers", default=None, type=int, help="Web worker processes (default: cores).")
@with_appcontext
def demo_run(host: str, port: int, workers: int | None) -> None:
    """Set up the instance, migrate, seed the demo tenant once, and serve in the foreground."""
    if current_app.config["ENV"] == "production":
        raise click.ClickException(
            "demo-run seeds demo data and is for development: set PROVISIONING_ENV=development "
            "(make run does). In production use `provisioning serve`."
        )
    instance = current_app.instance_path
    base_url = f"http://{host}:{port}"
    try:
        front = phone_front(instance, current_app.config, host, port)
    except (TlsSetupError, NginxError) as exc:
        raise click.ClickException(str(exc)) from None
    # The seed renders the demo phones' files: with the URL the phones reach us at (nginx's).
    current_app.config["PUBLIC_BASE_URL"] = base_url
    current_app.config["PHONE_BASE_URL"] = front.phone_base_url
    upgrade()
    seed_demo(instance)
    sip = core_specs(current_app)  # Kamailio: its database, configuration, the demo's accounts
    # Outside a request every SQLite transaction takes the write lock: end ours before the
    # service starts, or its workers would wait for this process forever.
    db.session.remove()
    db.engine.dispose()
    creds = load_credentials(instance)
    if creds:
        _show(creds, instance, base_url, front.phone_base_url)
    os.environ["PROVISIONING_PUBLIC_BASE_URL"] = json.dumps(base_url)
    os.environ.setdefault("PROVISIONING_INSTANCE", instance)
    supervisor = Supervisor(service_specs(
        front, gunicorn_spec(host, port, workers or default_workers(), threads=4), worker_spec(),
        tftp_spec(), *sip, *discovery_specs(current_app.config)))
    raise SystemExit(supervisor.run())


COMMANDS = [demo_run]
