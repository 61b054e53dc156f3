"""The application's SIP core: built once per process from the configuration."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from flask import Flask, current_app

from pbx.core import SipCore
from pbx.kamailio import KamailioCore, KamailioSettings
from pbx.kamailio.schema import derive_url

log = logging.getLogger(__name__)

_EXTENSION = "provisioning.sip_core"
_READY_RECHECK_SECONDS = 30.0


def tls_directory(instance_path: str | Path) -> Path:
    return Path(instance_path) / "run" / "kamailio-tls"


def kamailio_settings(app: Flask) -> KamailioSettings:
    config = app.config
    instance = Path(app.instance_path)
    db_url = config.get("KAMAILIO_DB_URL") or derive_url(
        config["SQLALCHEMY_DATABASE_URI"], instance)
    tls_port = config.get("SIP_TLS_PORT")
    tls_dir = tls_directory(instance)
    return KamailioSettings(
        directory=instance / "run" / "kamailio",
        run_dir=instance / "run" / "kamailio",
        db_url=db_url,
        sip_host=config["SIP_LISTEN_HOST"],
        sip_port=int(config["SIP_PORT"]),
        tls_port=int(tls_port) if tls_port else None,
        tls_cert=tls_dir / "server.crt" if tls_port else None,
        tls_key=tls_dir / "server.key" if tls_port else None,
        advertised_address=config.get("SIP_ADVERTISED_ADDRESS"),
        rpc_port=int(config["KAMAILIO_RPC_PORT"]),
        shm_mb=int(config["KAMAILIO_SHM_MB"]),
        pkg_mb=int(config["KAMAILIO_PKG_MB"]),
        children=int(config["KAMAILIO_CHILDREN"]),
        natping_seconds=int(config["SIP_NATPING_SECONDS"]),
        pike_requests=int(config["SIP_PIKE_REQUESTS"]),
        ban_seconds=int(config["SIP_BAN_SECONDS"]),
        binary=config["KAMAILIO_BINARY"],
    )


class _Holder:
    """The core and whether its database exists here (rechecked now and then while it does
    not: web workers may start before the SIP core was set up)."""

    def __init__(self, core: SipCore | None) -> None:
        self.core = core
        self.ready = False
        self.checked_at = float("-inf")


def _holder(app: Flask) -> _Holder:
    holder = app.extensions.get(_EXTENSION)
    if holder is None:
        core = None
        name = str(app.config.get("SIP_CORE") or "none").lower()
        if name == "kamailio":
            core = KamailioCore(kamailio_settings(app),
                                rpc_timeout=float(app.config["KAMAILIO_RPC_TIMEOUT_SECONDS"]))
        elif name not in ("none", "off", "false"):
            raise RuntimeError(f"unknown SIP_CORE {name!r}: 'kamailio' or 'none'")
        holder = app.extensions[_EXTENSION] = _Holder(core)
    return holder


def sip_core(app: Flask | None = None) -> SipCore | None:
    """The configured core, or None when the service runs without one."""
    return _holder(app or current_app._get_current_object()).core  # type: ignore[attr-defined]


def ready_core(app: Flask | None = None) -> SipCore | None:
    """The core if its database was created on this host (the rows can be written), else None."""
    holder = _holder(app or current_app._get_current_object())  # type: ignore[attr-defined]
    if holder.core is None:
        return None
    if not holder.ready and time.monotonic() - holder.checked_at > _READY_RECHECK_SECONDS:
        holder.checked_at = time.monotonic()
        holder.ready = holder.core.is_set_up()
        if not holder.ready:
            log.debug("the SIP core's database is not set up here; rows are written at its start")
    return holder.core if holder.ready else None


def mark_ready(app: Flask) -> None:
    holder = _holder(app)
    holder.ready, holder.checked_at = holder.core is not None, time.monotonic()
