"""Render kamailio.cfg and tls.cfg from the templates beside this module."""

from __future__ import annotations

import glob
import os
from pathlib import Path

import jinja2

from pbx.kamailio.schema import kamailio_url, sqlite_path
from pbx.kamailio.settings import KamailioSettings

TEMPLATES = Path(__file__).resolve().parent / "templates"


def modules_dir() -> str:
    """Debian's multiarch module folder (x86_64-linux-gnu, aarch64-linux-gnu, ...)."""
    found = sorted(glob.glob("/usr/lib/*/kamailio/modules/"))
    return found[0] if found else "/usr/lib/x86_64-linux-gnu/kamailio/modules/"


def _checked(value: object) -> str:
    """Strings go into double-quoted cfg literals and #!define lines: no quote, no newline."""
    text = str(value)
    if any(c in text for c in '"\n\r\\'):
        raise ValueError(f"not allowed in Kamailio's configuration: {text!r}")
    return text


def render_config(settings: KamailioSettings) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, autoescape=False,  # noqa: S701 - not HTML
        finalize=_checked,
    )
    advertise = ""
    advertise_tls = ""
    if settings.advertised_address:
        advertise = f" advertise {settings.advertised_address}:{settings.sip_port}"
        advertise_tls = f" advertise {settings.advertised_address}:{settings.tls_port}"
    sqlite = sqlite_path(settings.db_url)
    return env.get_template("kamailio.cfg").render(
        s=settings,
        backend=settings.backend,
        kamailio_db_url=kamailio_url(settings.db_url),
        sqlite_path=str(sqlite) if sqlite else "",
        usrloc_db_mode=1 if settings.backend == "postgresql" else 2,
        modules_dir=settings.modules_dir or modules_dir(),
        tls_config_path=settings.tls_config_path,
        advertise=advertise,
        advertise_tls=advertise_tls,
    )


def render_tls_config(settings: KamailioSettings) -> str:
    if settings.tls_cert is None or settings.tls_key is None:
        raise ValueError("TLS needs a certificate and a key")
    cert, key = _checked(settings.tls_cert), _checked(settings.tls_key)
    return (
        "# Rendered by the provisioning service at every start.\n"
        "[server:default]\n"
        "method = TLSv1.2+\n"
        "verify_certificate = no\n"
        "require_certificate = no\n"
        f"certificate = {cert}\n"
        f"private_key = {key}\n"
        "\n"
        "[client:default]\n"
        "method = TLSv1.2+\n"
        "verify_certificate = no\n"
        "require_certificate = no\n"
    )


def write_configs(settings: KamailioSettings) -> Path:
    """Write kamailio.cfg (and tls.cfg) atomically; returns the configuration's path."""
    settings.directory.mkdir(parents=True, exist_ok=True)
    settings.run_dir.mkdir(parents=True, exist_ok=True)
    if settings.tls_port:
        _write(settings.tls_config_path, render_tls_config(settings))
    _write(settings.config_path, render_config(settings))
    return settings.config_path


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
