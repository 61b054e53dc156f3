"""Fake vendor CAs and phone certificates for tests (unit, HTTPS and mutual-TLS integration).

Shaped like the real ones (``vendor-formats.md`` 2.9 and 3.7), signed by keys we hold:

    from cert import testing

    snom = testing.snom_ca()                                   # CN=Snom Phone 1 SHA-256, ...
    phone = testing.snom_device_certificate(snom, "000413a11fa7")   # subject CN=000413A11FA7
    root, issuing = testing.yealink_cas()           # Yealink Root CA -> Equipment Issuing CA
    t54w = testing.yealink_device_certificate(issuing, "805ec0a1b2c3")
    # subject O=Yealink..., OU=Yealink Equipment, CN=yealink.com,
    #         serialNumber=ffffffff-ffff-ffff-fff0-805ec0a1b2c3
    generic = testing.yealink_generic_certificate(issuing)     # CN=yealink.com, no MAC

    bundle = snom.write(tmp_path / "snom.pem")                 # for nginx ssl_client_certificate
    cert_file, key_file = phone.write(tmp_path)                # for ssl.SSLContext.load_cert_chain
    header = phone.escaped                                     # as nginx's $ssl_client_escaped_cert

Everything is v3 with SKI/AKI (rustls refuses v1 client certificates). Keys are derived from the
certificate's name, dates default to fixed ones and ECDSA signatures are deterministic (RFC 6979,
when the installed cryptography offers it), so the same call gives the same bytes every time.
Never use these keys outside tests.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import inspect
import urllib.parse
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from cert.pem import add_key_identifiers, certificate_pem, private_key_pem, write_atomic

# Long enough that tests do not expire, fixed so that certificates do not depend on the clock.
NOT_BEFORE = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
NOT_AFTER = dt.datetime(2045, 1, 1, tzinfo=dt.UTC)

SNOM_ORGANIZATION = "snom technology AG"
YEALINK_ORGANIZATION = "Yealink Network Technology Co., Ltd."
YEALINK_SERIAL_PREFIX = "ffffffff-ffff-ffff-fff0-"
SignatureHash = hashes.SHA256 | hashes.SHA384 | hashes.SHA512
_DETERMINISTIC_ECDSA = (
    "ecdsa_deterministic" in inspect.signature(x509.CertificateBuilder.sign).parameters
)


def _key(label: str, algorithm: str) -> CertificateIssuerPrivateKeyTypes:
    if algorithm == "ec-p256":
        seed = int.from_bytes(hashlib.sha256(label.encode()).digest(), "big")
        return ec.derive_private_key(seed % (2**255) + 1, ec.SECP256R1())
    if algorithm == "rsa-2048":  # RSA cannot be derived from a seed here: random, and slower
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    raise ValueError(f"unknown key algorithm {algorithm!r}")


def _sign(
    builder: x509.CertificateBuilder,
    key: CertificateIssuerPrivateKeyTypes,
    algorithm: SignatureHash | None,
) -> x509.Certificate:
    # RFC 6979 signatures where this cryptography has them: the same call, the same bytes.
    if isinstance(key, ec.EllipticCurvePrivateKey) and _DETERMINISTIC_ECDSA:
        return builder.sign(key, algorithm or hashes.SHA256(), ecdsa_deterministic=True)
    return builder.sign(key, algorithm or hashes.SHA256())


def _serial(label: str) -> int:
    return int.from_bytes(hashlib.sha256(b"serial:" + label.encode()).digest()[:16], "big") >> 1


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


@dataclasses.dataclass(frozen=True)
class IssuedCertificate:
    """A certificate with its key: a phone's, or a server's from a fake public CA."""

    certificate: x509.Certificate
    key: CertificateIssuerPrivateKeyTypes

    @property
    def pem(self) -> bytes:
        return certificate_pem(self.certificate)

    @property
    def key_pem(self) -> bytes:
        return private_key_pem(self.key)

    @property
    def escaped(self) -> str:
        """The certificate as nginx puts it in ``$ssl_client_escaped_cert``."""
        return nginx_escape(self.pem)

    def write(self, directory: str | Path, stem: str = "device") -> tuple[Path, Path]:
        """``<stem>.crt`` and ``<stem>.key`` (0600) in ``directory``."""
        directory = Path(directory)
        cert_path, key_path = directory / f"{stem}.crt", directory / f"{stem}.key"
        write_atomic(cert_path, self.pem)
        write_atomic(key_path, self.key_pem, mode=0o600)
        return cert_path, key_path


DeviceCertificate = IssuedCertificate


@dataclasses.dataclass(frozen=True)
class FakeCA:
    certificate: x509.Certificate
    key: CertificateIssuerPrivateKeyTypes

    @property
    def pem(self) -> bytes:
        return certificate_pem(self.certificate)

    def write(self, path: str | Path) -> Path:
        """The CA certificate as a PEM file, the form the service's vendor bundles take."""
        path = Path(path)
        write_atomic(path, self.pem)
        return path

    def issue(
        self,
        subject: x509.Name,
        *,
        not_before: dt.datetime = NOT_BEFORE,
        not_after: dt.datetime = NOT_AFTER,
        key_algorithm: str = "ec-p256",
        hash_algorithm: SignatureHash | None = None,
        client_auth: bool = True,
        dns_names: list[str] | None = None,
    ) -> IssuedCertificate:
        """A v3 end-entity certificate for ``subject``, signed by this CA.

        With ``dns_names`` it is a server certificate (subjectAltName, serverAuth) instead.
        """
        label = f"{self.certificate.subject.rfc4514_string()}/{subject.rfc4514_string()}"
        key = _key(label, key_algorithm)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(_serial(label + not_after.isoformat()))
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(cert_sign=False), critical=True)
        )
        if dns_names:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(n) for n in dns_names]), critical=False
            ).add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
            )
        elif client_auth:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
            )
        builder = add_key_identifiers(builder, key.public_key(), self.key.public_key())
        certificate = _sign(builder, self.key, hash_algorithm)
        return IssuedCertificate(certificate=certificate, key=key)


def make_ca(
    subject: x509.Name | str,
    *,
    parent: FakeCA | None = None,
    not_before: dt.datetime = NOT_BEFORE,
    not_after: dt.datetime = NOT_AFTER,
    key_algorithm: str = "ec-p256",
    hash_algorithm: SignatureHash | None = None,
) -> FakeCA:
    """A CA certificate: self-signed, or issued by ``parent`` (an intermediate)."""
    if isinstance(subject, str):
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    key = _key(f"ca:{subject.rfc4514_string()}", key_algorithm)
    issuer_key = parent.key if parent else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(parent.certificate.subject if parent else subject)
        .public_key(key.public_key())
        .serial_number(_serial(f"ca:{subject.rfc4514_string()}"))
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
    )
    builder = add_key_identifiers(builder, key.public_key(), issuer_key.public_key())
    certificate = _sign(builder, issuer_key, hash_algorithm)
    return FakeCA(certificate=certificate, key=key)


def snom_ca(*, sha256: bool = True, **options: object) -> FakeCA:
    """``CN=Snom Phone 1 SHA-256`` (newer phones) or ``CN=Snom Phone 1`` (older)."""
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "Berlin"),
            x509.NameAttribute(NameOID.LOCALITY_NAME, "Berlin"),
            x509.NameAttribute(
                NameOID.ORGANIZATION_NAME, SNOM_ORGANIZATION if sha256 else "Snom Technology AG"
            ),
            x509.NameAttribute(
                NameOID.COMMON_NAME, "Snom Phone 1 SHA-256" if sha256 else "Snom Phone 1"
            ),
            x509.NameAttribute(NameOID.EMAIL_ADDRESS, "security@snom.com"),
        ]
    )
    return make_ca(name, **options)  # type: ignore[arg-type]


def yealink_cas(**options: object) -> tuple[FakeCA, FakeCA]:
    """(``Yealink Root CA``, ``Yealink Equipment Issuing CA`` issued by it)."""

    def name(cn: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, YEALINK_ORGANIZATION),
                x509.NameAttribute(NameOID.COMMON_NAME, cn),
            ]
        )

    root = make_ca(name("Yealink Root CA"), **options)  # type: ignore[arg-type]
    issuing = make_ca(name("Yealink Equipment Issuing CA"), parent=root, **options)  # type: ignore[arg-type]
    return root, issuing


def snom_device_certificate(ca: FakeCA, mac: str, **options: object) -> IssuedCertificate:
    """Subject ``CN=<MAC in upper-case hex>``, the way snom phones carry it."""
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, _compact(mac).upper())])
    return ca.issue(subject, **options)  # type: ignore[arg-type]


def yealink_device_certificate(ca: FakeCA, mac: str, **options: object) -> IssuedCertificate:
    """The per-device form: ``CN=yealink.com``, ``serialNumber=ffffffff-ffff-ffff-fff0-<mac>``."""
    return ca.issue(
        _yealink_subject(serial_number=YEALINK_SERIAL_PREFIX + _compact(mac)),
        **options,  # type: ignore[arg-type]
    )


def yealink_generic_certificate(ca: FakeCA, **options: object) -> IssuedCertificate:
    """The certificate every Yealink phone shares: ``CN=yealink.com``, nothing per device."""
    return ca.issue(_yealink_subject(serial_number=None), **options)  # type: ignore[arg-type]


def public_server_chain(hostnames: list[str], **options: object) -> tuple[bytes, bytes, FakeCA]:
    """(chain PEM leaf + intermediate, key PEM, root) as an operator would get from a public CA."""
    root = make_ca("Fake Public Root R1")
    intermediate = make_ca("Fake Public Issuing R2", parent=root)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostnames[0])])
    leaf = intermediate.issue(subject, dns_names=hostnames, **options)  # type: ignore[arg-type]
    return leaf.pem + intermediate.pem, leaf.key_pem, root


def _yealink_subject(serial_number: str | None) -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, YEALINK_ORGANIZATION),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Yealink Equipment"),
        x509.NameAttribute(NameOID.COMMON_NAME, "yealink.com"),
    ]
    if serial_number:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial_number))
    return x509.Name(attributes)


def _compact(mac: str) -> str:
    return "".join(c for c in mac if c not in ":-. ").lower()


def nginx_escape(pem: bytes | str) -> str:
    """URL-escape a PEM the way nginx fills ``$ssl_client_escaped_cert`` (newlines as %0A)."""
    text = pem.decode("ascii") if isinstance(pem, bytes) else pem
    return urllib.parse.quote(text, safe="")
