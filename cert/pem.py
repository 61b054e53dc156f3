"""Small shared pieces: keys, PEM chains, extensions and files written so nobody sees half a file.

Everything here is pure except ``write_atomic``, which is the one place that touches the disk.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import ipaddress
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificateIssuerPrivateKeyTypes,
    CertificatePublicKeyTypes,
    PrivateKeyTypes,
)

_PEM_BLOCK = re.compile(
    rb"-----BEGIN CERTIFICATE-----\s+[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----"
)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Phones still in service do not all speak ECDSA; RSA stays available for the server key.
KEY_ALGORITHMS = ("ec-p256", "rsa-2048")

# Phones often ask for their files before NTP has set the clock, and clocks drift: a certificate
# that becomes valid "now" would be refused by a phone one minute behind.
BACKDATE = dt.timedelta(days=1)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """Naive datetimes are taken as UTC, the way the database stores them."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def new_private_key(algorithm: str = "ec-p256") -> CertificateIssuerPrivateKeyTypes:
    if algorithm == "ec-p256":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "rsa-2048":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    raise ValueError(f"unknown key algorithm {algorithm!r}; expected one of {KEY_ALGORITHMS}")


def private_key_pem(key: PrivateKeyTypes) -> bytes:
    # PKCS#8 because granian (rustls) accepts nothing else; nginx and Python's ssl read it too.
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_private_key(pem: bytes) -> CertificateIssuerPrivateKeyTypes:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise ValueError("only EC and RSA keys are supported")
    return key


def certificate_pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def load_chain(pem: bytes | str) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle, in file order; text around the blocks is ignored."""
    data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
    return [x509.load_pem_x509_certificate(block) for block in _PEM_BLOCK.findall(data)]


def load_bundle_files(paths: Iterable[str | os.PathLike[str]]) -> list[x509.Certificate]:
    """The certificates of several PEM files (a vendor's CA bundle may hold a root and issuers)."""
    certificates: list[x509.Certificate] = []
    for path in paths:
        found = load_chain(Path(path).read_bytes())
        if not found:
            raise ValueError(f"{path}: no PEM certificate in this file")
        certificates.extend(found)
    return certificates


def public_key_der(key: CertificatePublicKeyTypes) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def add_key_identifiers(
    builder: x509.CertificateBuilder,
    subject_key: CertificatePublicKeyTypes,
    issuer_key: CertificatePublicKeyTypes,
) -> x509.CertificateBuilder:
    """SKI and AKI: strict verifiers (rustls, cryptography's own) build chains with them."""
    return builder.add_extension(
        x509.SubjectKeyIdentifier.from_public_key(subject_key), critical=False
    ).add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key),  # type: ignore[arg-type]
        critical=False,
    )


def write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write to a temporary file beside ``path``, then rename: readers see old or new, never half.

    The temporary file is created with ``mode`` already set, so a key is never readable by others,
    not even for the moment between creation and chmod.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def directory_lock(directory: Path) -> Iterator[None]:
    """Serialise writers of one directory across processes (several workers start at once)."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def normalize_hostnames(hostnames: Sequence[str]) -> list[str]:
    """Lower-case A-labels without a trailing dot, duplicates dropped, order kept."""
    result: list[str] = []
    for raw in hostnames:
        name = raw.strip().rstrip(".").lower()
        if not name:
            raise ValueError(f"empty host name in {list(hostnames)!r}")
        if not name.isascii():
            name = name.encode("idna").decode("ascii")
        if name not in result:
            result.append(name)
    return result


def normalize_addresses(addresses: Sequence[str]) -> list[IPAddress]:
    result: list[IPAddress] = []
    for raw in addresses:
        address = ipaddress.ip_address(raw.strip())
        if address not in result:
            result.append(address)
    return result
