"""The phones' server certificate and the vendor CAs offered for mutual TLS, on disk for nginx.

    <instance>/tls/server.crt, server.key   ours (issued by <instance>/ca) or the operator's
    <instance>/run/client-cas.pem           the configured vendor CA bundles, concatenated
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cert.ca import load_ca
from cert.pem import load_chain, write_atomic
from cert.server import ServerCertificate, ensure_server_certificate
from provisioning.instance import ca_dir

CLIENT_CA_FILE = "client-cas.pem"


class TlsSetupError(RuntimeError):
    """A configured certificate or bundle cannot be used; the message says which and why."""


def tls_dir(instance_path: str | Path) -> Path:
    return Path(instance_path) / "tls"


def run_dir(instance_path: str | Path) -> Path:
    """Files of the running service (nginx's configuration, pid, temp and logs), all rewritten
    at start; writable without root."""
    path = Path(instance_path) / "run"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _read(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise TlsSetupError(f"{what} {path}: {exc.strerror}") from None


def ensure_phone_certificate(
    instance_path: str | Path, config: Mapping[str, Any], now: dt.datetime | None = None
) -> ServerCertificate:
    """Leave the certificate nginx serves in ``<instance>/tls``: the operator's chain and key
    when PHONE_TLS_CERT_FILE/PHONE_TLS_KEY_FILE are set (validated, see cert.operator), else
    one from our CA for PHONE_TLS_HOSTNAMES and PHONE_TLS_ADDRESSES, renewed before expiry."""
    from cert.operator import OperatorCertificateError

    hostnames: Sequence[str] = config.get("PHONE_TLS_HOSTNAMES") or []
    addresses: Sequence[str] = config.get("PHONE_TLS_ADDRESSES") or []
    cert_file, key_file = config.get("PHONE_TLS_CERT_FILE"), config.get("PHONE_TLS_KEY_FILE")
    if bool(cert_file) != bool(key_file):
        raise TlsSetupError("PHONE_TLS_CERT_FILE and PHONE_TLS_KEY_FILE go together: set both")
    directory = tls_dir(instance_path)
    directory.mkdir(mode=0o700, exist_ok=True)
    ca = load_ca(ca_dir(instance_path))
    if not cert_file or not key_file:
        return ensure_server_certificate(ca, directory, hostnames, addresses, now)
    try:
        return ensure_server_certificate(
            ca, directory, hostnames, addresses, now,
            operator_chain=_read(cert_file, "PHONE_TLS_CERT_FILE"),
            operator_key=_read(key_file, "PHONE_TLS_KEY_FILE"),
        )
    except OperatorCertificateError as exc:
        raise TlsSetupError(
            f"the operator certificate {cert_file} cannot be used ({exc.reason}): {exc}"
        ) from None


def write_client_ca_bundle(instance_path: str | Path, files: Sequence[str]) -> Path | None:
    """Concatenate the vendor CA bundles into one file for ``ssl_client_certificate``; None
    when none is configured (nginx then still asks phones for a certificate)."""
    if not files:
        return None
    parts = []
    for name in files:
        data = _read(name, "PHONE_CLIENT_CA_FILES:")
        try:
            if not load_chain(data):
                raise ValueError("no PEM certificate in it")
        except ValueError as exc:
            raise TlsSetupError(f"PHONE_CLIENT_CA_FILES: {name}: {exc}") from None
        parts.append(data if data.endswith(b"\n") else data + b"\n")
    target = run_dir(instance_path) / CLIENT_CA_FILE
    write_atomic(target, b"".join(parts), mode=0o644)
    return target
