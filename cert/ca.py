"""The service's own certificate authority: one EC P-256 key and a self-signed v3 certificate.

It signs the HTTPS server certificate phones see when no operator-supplied certificate is
configured; phones are given ``ca.crt`` as a custom trusted certificate (Yealink
``static.trusted_certificates.url``, snom's custom CA). The files live in a directory the caller
chooses (the service passes ``<instance>/ca``): ``ca.crt`` (0644) and ``ca.key`` (0600).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import NameOID

from cert.pem import (
    BACKDATE,
    add_key_identifiers,
    as_utc,
    certificate_pem,
    directory_lock,
    load_private_key,
    new_private_key,
    private_key_pem,
    public_key_der,
    utcnow,
    write_atomic,
)

CA_CERT_FILE = "ca.crt"
CA_KEY_FILE = "ca.key"
CA_VALIDITY = dt.timedelta(days=3650)


class CAError(Exception):
    """The CA directory is missing, incomplete or inconsistent."""


@dataclasses.dataclass(frozen=True)
class CA:
    certificate: x509.Certificate
    key: CertificateIssuerPrivateKeyTypes
    directory: Path

    @property
    def cert_pem(self) -> bytes:
        return certificate_pem(self.certificate)

    @property
    def cert_path(self) -> Path:
        return self.directory / CA_CERT_FILE

    @property
    def key_path(self) -> Path:
        return self.directory / CA_KEY_FILE


def create_ca(directory: str | Path, common_name: str, *, now: dt.datetime | None = None) -> CA:
    """Create a new CA in ``directory``; refuses to overwrite one that is already there.

    Replacing a CA makes every phone that trusts the old one refuse the server, so it must be a
    deliberate act (delete the files), never a side effect.
    """
    directory = Path(directory)
    if (directory / CA_CERT_FILE).exists() or (directory / CA_KEY_FILE).exists():
        raise CAError(f"{directory}: a CA already exists here")
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    start = as_utc(now or utcnow()) - BACKDATE
    key = new_private_key("ec-p256")
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + CA_VALIDITY)
        # pathlen 0: this CA signs server certificates only, never another CA.
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    builder = add_key_identifiers(builder, key.public_key(), key.public_key())
    certificate = builder.sign(key, hashes.SHA256())
    # Key first: a certificate without its key would look like a CA that cannot sign.
    write_atomic(directory / CA_KEY_FILE, private_key_pem(key), mode=0o600)
    write_atomic(directory / CA_CERT_FILE, certificate_pem(certificate), mode=0o644)
    return CA(certificate=certificate, key=key, directory=directory)


def load_ca(directory: str | Path) -> CA:
    directory = Path(directory)
    try:
        cert_bytes = (directory / CA_CERT_FILE).read_bytes()
        key_bytes = (directory / CA_KEY_FILE).read_bytes()
    except FileNotFoundError as exc:
        raise CAError(f"{directory}: no CA here ({exc.filename} is missing)") from exc
    try:
        certificate = x509.load_pem_x509_certificate(cert_bytes)
        key = load_private_key(key_bytes)
    except ValueError as exc:
        raise CAError(f"{directory}: unreadable CA files: {exc}") from exc
    if public_key_der(certificate.public_key()) != public_key_der(key.public_key()):
        raise CAError(f"{directory}: {CA_KEY_FILE} does not belong to {CA_CERT_FILE}")
    return CA(certificate=certificate, key=key, directory=directory)


def load_or_create_ca(
    directory: str | Path, common_name: str, *, now: dt.datetime | None = None
) -> CA:
    """The service's start-up call: the existing CA, or a new one on the first start."""
    directory = Path(directory)
    with directory_lock(directory):
        if (directory / CA_CERT_FILE).exists() or (directory / CA_KEY_FILE).exists():
            return load_ca(directory)
        return create_ca(directory, common_name, now=now)
