"""The HTTPS server certificate phones see: issued by our CA, or an operator's public-CA chain.

``ensure_server_certificate`` is the one call the service makes (at start-up and from a daily job):
it leaves ``server.crt`` (leaf + CA, the chain a TLS server sends) and ``server.key`` (PKCS#8) in
the directory, reissuing when the certificate expires within ``before_days``, the configured names
changed, or the CA changed. When the operator supplied a chain and key, those are validated and
installed instead, and nothing is issued.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from cert.ca import CA
from cert.operator import validate_operator_certificate
from cert.pem import (
    BACKDATE,
    IPAddress,
    add_key_identifiers,
    as_utc,
    certificate_pem,
    directory_lock,
    load_chain,
    load_private_key,
    new_private_key,
    normalize_addresses,
    normalize_hostnames,
    private_key_pem,
    public_key_der,
    utcnow,
    write_atomic,
)

SERVER_CERT_FILE = "server.crt"
SERVER_KEY_FILE = "server.key"
DEFAULT_DAYS = 90
RENEW_BEFORE_DAYS = 30


@dataclasses.dataclass(frozen=True)
class ServerCertificate:
    """What ``ensure_server_certificate`` left on disk."""

    cert_path: Path  # leaf first, then the issuers: give it to nginx/granian as is
    key_path: Path
    not_valid_after: dt.datetime
    source: str  # "own" (issued by our CA) or "operator"
    changed: bool  # the files were (re)written by this call: reload the TLS server
    expires_soon: bool  # only possible for "operator": we cannot renew someone else's certificate


def issue_server_certificate(
    ca: CA,
    hostnames: Sequence[str],
    addresses: Sequence[str],
    days: int = DEFAULT_DAYS,
    *,
    now: dt.datetime | None = None,
    key_algorithm: str = "ec-p256",
) -> tuple[bytes, bytes]:
    """A v3 server certificate for these names, signed by ``ca``: (chain PEM, PKCS#8 key PEM).

    The chain is the leaf followed by the CA certificate. ``key_algorithm`` "rsa-2048" is there for
    phones whose TLS stack has no ECDSA.
    """
    names = normalize_hostnames(hostnames)
    ips = normalize_addresses(addresses)
    if not names and not ips:
        raise ValueError("a server certificate needs at least one host name or address")
    start = as_utc(now or utcnow()) - BACKDATE
    key = new_private_key(key_algorithm)
    common_name = names[0] if names else str(ips[0])
    alt_names: list[x509.GeneralName] = [x509.DNSName(name) for name in names]
    alt_names += [x509.IPAddress(ip) for ip in ips]
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + BACKDATE + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                # RSA key exchange (TLS 1.0-1.2 without ECDHE) still exists on old phones.
                key_encipherment=key_algorithm.startswith("rsa"),
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
    )
    builder = add_key_identifiers(builder, key.public_key(), ca.key.public_key())
    leaf = builder.sign(ca.key, hashes.SHA256())
    return certificate_pem(leaf) + ca.cert_pem, private_key_pem(key)


def needs_renewal(
    cert_pem: bytes | str, now: dt.datetime, before_days: int = RENEW_BEFORE_DAYS
) -> bool:
    """True when the first certificate of ``cert_pem`` expires within ``before_days`` of ``now``.

    Unreadable input counts as due: the answer to a broken file is a new one.
    """
    try:
        chain = load_chain(cert_pem)
    except ValueError:
        return True
    if not chain:
        return True
    expiry = chain[0].not_valid_after_utc
    return expiry - as_utc(now) <= dt.timedelta(days=before_days)


def subject_names(certificate: x509.Certificate) -> tuple[set[str], set[IPAddress]]:
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set(), set()
    ips = san.get_values_for_type(x509.IPAddress)
    return {n.lower() for n in san.get_values_for_type(x509.DNSName)}, {
        ip for ip in ips if isinstance(ip, ipaddress.IPv4Address | ipaddress.IPv6Address)
    }


def _own_certificate_is_current(
    ca: CA,
    cert_path: Path,
    key_path: Path,
    hostnames: Sequence[str],
    addresses: Sequence[str],
    now: dt.datetime,
    before_days: int,
) -> bool:
    try:
        pem = cert_path.read_bytes()
        key = load_private_key(key_path.read_bytes())
        chain = load_chain(pem)
    except (OSError, ValueError):
        return False
    if not chain or needs_renewal(pem, now, before_days):
        return False
    leaf = chain[0]
    if public_key_der(leaf.public_key()) != public_key_der(key.public_key()):
        return False
    # A replaced CA: phones trust the new one, so the leaf must come from it.
    try:
        leaf.verify_directly_issued_by(ca.certificate)
    except (InvalidSignature, ValueError, TypeError):
        return False
    wanted = (set(normalize_hostnames(hostnames)), set(normalize_addresses(addresses)))
    return subject_names(leaf) == wanted


def ensure_server_certificate(
    ca: CA,
    directory: str | Path,
    hostnames: Sequence[str],
    addresses: Sequence[str],
    now: dt.datetime | None = None,
    *,
    operator_chain: bytes | None = None,
    operator_key: bytes | None = None,
    days: int = DEFAULT_DAYS,
    before_days: int = RENEW_BEFORE_DAYS,
) -> ServerCertificate:
    """Leave a valid ``server.crt``/``server.key`` in ``directory`` and say what is there.

    With ``operator_chain`` and ``operator_key`` (PEM), they are validated (see
    ``cert.operator``; an ``OperatorCertificateError`` is raised and the files are left alone when
    they do not fit) and installed in place of our own certificate.

    The two files are replaced one after the other, each atomically; a TLS server reads them when
    told to reload (``changed``), never in between.
    """
    directory = Path(directory)
    now = as_utc(now or utcnow())
    cert_path, key_path = directory / SERVER_CERT_FILE, directory / SERVER_KEY_FILE
    with directory_lock(directory):
        if operator_chain is not None or operator_key is not None:
            if operator_chain is None or operator_key is None:
                raise ValueError("an operator certificate needs both the chain and the key")
            return _install_operator(
                directory, operator_chain, operator_key, hostnames, now, before_days
            )
        changed = False
        if not _own_certificate_is_current(
            ca, cert_path, key_path, hostnames, addresses, now, before_days
        ):
            chain_pem, key_pem = issue_server_certificate(ca, hostnames, addresses, days, now=now)
            write_atomic(key_path, key_pem, mode=0o600)
            write_atomic(cert_path, chain_pem, mode=0o644)
            changed = True
        leaf = load_chain(cert_path.read_bytes())[0]
        return ServerCertificate(
            cert_path=cert_path,
            key_path=key_path,
            not_valid_after=leaf.not_valid_after_utc,
            source="own",
            changed=changed,
            expires_soon=False,
        )


def _install_operator(
    directory: Path,
    chain_pem: bytes,
    key_pem: bytes,
    hostnames: Sequence[str],
    now: dt.datetime,
    before_days: int,
) -> ServerCertificate:
    chain, key = validate_operator_certificate(chain_pem, key_pem, hostnames, now)
    cert_path, key_path = directory / SERVER_CERT_FILE, directory / SERVER_KEY_FILE
    # Re-serialised: PKCS#1/SEC1 keys become PKCS#8, stray text around the PEM blocks goes.
    new_chain = b"".join(certificate_pem(c) for c in chain)
    new_key = private_key_pem(key)
    changed = False
    if _read_or_none(cert_path) != new_chain or _read_or_none(key_path) != new_key:
        write_atomic(key_path, new_key, mode=0o600)
        write_atomic(cert_path, new_chain, mode=0o644)
        changed = True
    return ServerCertificate(
        cert_path=cert_path,
        key_path=key_path,
        not_valid_after=chain[0].not_valid_after_utc,
        source="operator",
        changed=changed,
        expires_soon=needs_renewal(new_chain, now, before_days),
    )


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
