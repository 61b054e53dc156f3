"""Setting up the bundled SIP core before the supervisor starts it.

``core_spec`` (called by ``serve``, ``demo-run`` and ``provisioning sip run`` in the
application context) issues the TLS certificate from our CA, creates or upgrades Kamailio's
database, renders its configuration, writes the subscribers and domains, and returns the
supervisor's ProcessSpec. Kamailio then runs in the foreground; the supervisor restarts it when
it dies and stops it with the service.
"""

from __future__ import annotations

import logging
import shutil

from flask import Flask

from pbx.process import kamailio_spec, prepare
from provisioning.errors import ServiceUnavailable, ValidationFailed
from provisioning.extensions import db
from provisioning.instance import ca_dir
from provisioning.sipcore.core import kamailio_settings, mark_ready, sip_core, tls_directory
from provisioning.sipcore.sync import reconcile
from provisioning.supervisor import ProcessSpec

log = logging.getLogger(__name__)


def _certificate(app: Flask) -> None:
    from cert.ca import load_ca
    from cert.server import ensure_server_certificate

    config = app.config
    hostnames = list(config.get("PHONE_TLS_HOSTNAMES") or [])
    addresses = list(config.get("PHONE_TLS_ADDRESSES") or [])
    for name in (config.get("SIP_REGISTRAR_HOST"), config.get("SIP_ADVERTISED_ADDRESS")):
        if not name:
            continue
        is_address = name.replace(".", "").isdigit() or ":" in name
        target = addresses if is_address else hostnames
        if name not in target:
            target.append(name)
    ensure_server_certificate(load_ca(ca_dir(app.instance_path)), tls_directory(app.instance_path),
                              hostnames or ["localhost"], addresses)


def check_transport(app: Flask) -> None:
    """The transport written into phone files must be one the core offers."""
    transport = str(app.config["SIP_TRANSPORT"]).lower()
    offered = kamailio_settings(app).transports
    if transport not in offered:
        raise ValidationFailed(
            f"SIP_TRANSPORT {transport!r} is not offered by the SIP core ({', '.join(offered)}); "
            "set SIP_TLS_PORT for TLS", error_id="sip_transport_not_offered")


def core_spec(app: Flask) -> ProcessSpec | None:
    """Prepare the SIP core and return its ProcessSpec; None without one (SIP_CORE none)."""
    if sip_core(app) is None:
        return None
    check_transport(app)
    settings = kamailio_settings(app)
    if shutil.which(settings.binary) is None:
        raise ServiceUnavailable(
            f"{settings.binary} is not installed: run tools/setup-system run (as root), or set "
            "PROVISIONING_SIP_CORE=none to run without the bundled SIP core",
            error_id="sip_core_missing")
    if settings.tls_port:
        _certificate(app)
    created = prepare(settings)
    if created:
        log.info("Kamailio's database: created %s", ", ".join(created))
    mark_ready(app)
    counts = reconcile(db.session)
    db.session.commit()  # end the read transaction (SQLite: before the service's workers start)
    log.info("SIP core ready to start: %s (%s)", settings.config_path, counts)
    return kamailio_spec(settings)


def core_specs(app: Flask) -> list[ProcessSpec]:
    """What ``serve`` and ``demo-run`` add to their supervisor: Kamailio, if configured."""
    spec = core_spec(app)
    return [spec] if spec is not None else []
