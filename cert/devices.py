"""Mutual TLS with the phones' factory certificates: is this certificate the phone it claims to be?

The TLS server (nginx with ``ssl_verify_client optional_no_ca``) asks for a client certificate and
hands it to the application URL-escaped in ``$ssl_client_escaped_cert``; the application trusts
that header only from its own loopback proxy. ``verify_device_certificate`` then decides, without
relying on nginx's own verdict:

1. there is a certificate at all                                   else "no_certificate"
2. it parses                                                       else "malformed_certificate"
3. ``now`` is inside its validity period                           else "expired"
4. a CA certificate from the configured vendor bundles signed it   else "untrusted"
5. its subject names a MAC: the common name is 12 hex digits (snom:
   ``CN=000413A11FA7``), or the serialNumber attribute ends in 12 hex digits (Yealink:
   ``serialNumber=ffffffff-ffff-ffff-fff0-805ec0a1b2c3``)          else "generic_certificate"
   (both present and different: "conflicting_identity")
6. that MAC is the one the phone asks for                          else "mac_mismatch"

Every certificate in the bundles is a trust anchor, so a bundle must contain the CA that signs
device certificates directly (for Yealink the "Yealink Equipment Issuing CA", not only the root):
nginx passes the leaf alone, never the intermediates a phone sent.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import re
import urllib.parse
from collections.abc import Sequence

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.x509.oid import NameOID

from cert.pem import as_utc, load_bundle_files, load_chain, utcnow

try:  # cryptography >= 45: a verifier whose extension rules we can relax for factory certificates
    from cryptography.x509.verification import (
        Criticality,
        ExtensionPolicy,
        PolicyBuilder,
        Store,
        VerificationError,
    )

    HAVE_VERIFIER = True
except ImportError:  # pragma: no cover - depends on the installed cryptography
    HAVE_VERIFIER = False

REASONS = (
    "no_certificate",
    "malformed_certificate",
    "expired",  # also: not valid yet
    "untrusted",
    "generic_certificate",
    "conflicting_identity",
    "mac_mismatch",
)

# Broadcast and all-zero values are placeholders, never a phone's address.
_PLACEHOLDER_MACS = {"000000000000", "ffffffffffff"}
_SEPARATORS = re.compile(r"[\s:.\-]")
_HEX12 = re.compile(r"^[0-9a-f]{12}$")
# Names for the attributes RFC 4514 leaves as dotted OIDs, so that logs read like nginx's DNs.
_NAMES = {NameOID.SERIAL_NUMBER: "serialNumber", NameOID.EMAIL_ADDRESS: "emailAddress"}


@dataclasses.dataclass(frozen=True)
class DeviceCertificateResult:
    ok: bool
    reason: str | None  # one of REASONS when refused, None when ok
    mac: str | None = None  # the MAC the certificate names (12 lower-case hex), even if refused
    subject: str | None = None  # RFC 4514, for logs
    issuer: str | None = None
    fingerprint_sha256: str | None = None  # hex of the DER, to tell two certificates apart


class DeviceTrust:
    """The vendor CA certificates, parsed once and reused for every request."""

    def __init__(self, certificates: Sequence[x509.Certificate]) -> None:
        if not certificates:
            raise ValueError("a device trust needs at least one vendor CA certificate")
        self.certificates = list(certificates)
        self.store = Store(self.certificates) if HAVE_VERIFIER else None

    @classmethod
    def from_pem(cls, *bundles: bytes | str) -> DeviceTrust:
        return cls([c for bundle in bundles for c in load_chain(bundle)])

    @classmethod
    def from_files(cls, *paths: str | os.PathLike[str]) -> DeviceTrust:
        return cls(load_bundle_files(paths))


def normalize_mac(value: str) -> str | None:
    """12 lower-case hex digits from any common notation, or None."""
    compact = _SEPARATORS.sub("", value).lower()
    return compact if _HEX12.match(compact) and compact not in _PLACEHOLDER_MACS else None


def macs_in_subject(name: x509.Name) -> set[str]:
    """Every MAC the subject names: CNs that are MACs, serialNumbers ending in 12 hex digits."""
    found: set[str] = set()
    for attribute in name.get_attributes_for_oid(NameOID.COMMON_NAME):
        mac = normalize_mac(str(attribute.value))
        if mac:
            found.add(mac)
    for attribute in name.get_attributes_for_oid(NameOID.SERIAL_NUMBER):
        compact = _SEPARATORS.sub("", str(attribute.value)).lower()
        mac = normalize_mac(compact[-12:]) if len(compact) >= 12 else None
        if mac:
            found.add(mac)
    return found


def parse_client_certificate(value: str | bytes | None) -> x509.Certificate | None:
    """The leaf from a PEM, from nginx's URL-escaped PEM, or from a PEM whose newlines a proxy
    turned into spaces. None when there is nothing (nginx sends an empty string).

    Raises ValueError when there is something but it is not a certificate.
    """
    if value is None:
        return None
    text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
    text = text.strip()
    if not text or text == "-":
        return None
    if "%" in text:
        # unquote, not unquote_plus: an unescaped "+" is base64, not a space.
        text = urllib.parse.unquote(text)
    chain = load_chain(text)  # tolerant of spaces for newlines: base64 ignores whitespace
    if not chain:
        raise ValueError("no PEM certificate in the client certificate value")
    return chain[0]


def verify_device_certificate(
    client_certificate: str | bytes | x509.Certificate | None,
    trusted: DeviceTrust | Sequence[x509.Certificate],
    expected_mac: str,
    now: dt.datetime | None = None,
    *,
    strict: bool = True,
) -> DeviceCertificateResult:
    """Is ``client_certificate`` a vendor-issued certificate for the phone ``expected_mac``?

    ``strict`` uses cryptography's path validation (RFC 5280 with web-PKI algorithm rules: SHA-2
    signatures, RSA >= 2048 bits, v3 certificates) when the installed cryptography has it.
    ``strict=False`` checks the issuer's signature directly, for factory certificates too old for
    those rules (SHA-1, RSA-1024, v1 leaves); the validity, CA and subject/MAC rules are the same.
    """
    now = as_utc(now or utcnow())
    trust = trusted if isinstance(trusted, DeviceTrust) else DeviceTrust(trusted)
    wanted = normalize_mac(expected_mac)
    if isinstance(client_certificate, x509.Certificate):
        leaf: x509.Certificate | None = client_certificate
    else:
        try:
            leaf = parse_client_certificate(client_certificate)
        except ValueError:
            return DeviceCertificateResult(ok=False, reason="malformed_certificate")
    if leaf is None:
        return DeviceCertificateResult(ok=False, reason="no_certificate")

    macs = macs_in_subject(leaf.subject)
    details = {
        "mac": next(iter(macs)) if len(macs) == 1 else None,
        "subject": leaf.subject.rfc4514_string(_NAMES),
        "issuer": leaf.issuer.rfc4514_string(_NAMES),
        "fingerprint_sha256": hashlib.sha256(
            leaf.public_bytes(serialization.Encoding.DER)
        ).hexdigest(),
    }

    def refuse(reason: str) -> DeviceCertificateResult:
        return DeviceCertificateResult(ok=False, reason=reason, **details)

    if not leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc:
        return refuse("expired")
    use_verifier = strict and HAVE_VERIFIER
    trusted_chain = (
        _verified_by_policy(leaf, trust, now) if use_verifier else _signed_by(leaf, trust, now)
    )
    if not trusted_chain:
        return refuse("untrusted")
    if not macs:
        return refuse("generic_certificate")
    if len(macs) > 1:
        return refuse("conflicting_identity")
    if details["mac"] != wanted:
        return refuse("mac_mismatch")
    return DeviceCertificateResult(ok=True, reason=None, **details)


def _require_ca(
    policy: object, certificate: x509.Certificate, value: x509.BasicConstraints
) -> None:
    # Without this a device certificate could pass for an issuer of other devices' certificates.
    if not value.ca:
        raise ValueError("issuer is not a CA")


def _verified_by_policy(leaf: x509.Certificate, trust: DeviceTrust, now: dt.datetime) -> bool:
    # Factory certificates carry whatever extensions the vendor chose (no SAN, no clientAuth EKU,
    # sometimes no keyUsage), so extensions are not judged, except that an issuer must be a CA.
    ca_policy = ExtensionPolicy.permit_all().require_present(
        x509.BasicConstraints, Criticality.AGNOSTIC, _require_ca
    )
    assert trust.store is not None  # built whenever HAVE_VERIFIER
    verifier = (
        PolicyBuilder()
        .store(trust.store)
        .time(now)
        .max_chain_depth(4)
        .extension_policies(ca_policy=ca_policy, ee_policy=ExtensionPolicy.permit_all())
        .build_client_verifier()
    )
    try:
        verifier.verify(leaf, [])
    except VerificationError:
        return False
    return True


def _signed_by(leaf: x509.Certificate, trust: DeviceTrust, now: dt.datetime) -> bool:
    """One hop to any trusted certificate that is a CA, valid now, and signed the leaf."""
    for issuer in trust.certificates:
        if issuer.subject != leaf.issuer or not _is_valid_ca(issuer, now):
            continue
        if _signature_valid(leaf, issuer):
            return True
    return False


def _signature_valid(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    # By hand rather than verify_directly_issued_by, which refuses SHA-1 signatures: factory
    # certificates from before 2017 carry them, and this path exists for those.
    key = issuer.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            padding = child.signature_algorithm_parameters
            digest = child.signature_hash_algorithm
            if not isinstance(padding, asym_padding.PKCS1v15 | asym_padding.PSS) or not digest:
                return False
            key.verify(child.signature, child.tbs_certificate_bytes, padding, digest)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            algorithm = child.signature_algorithm_parameters
            if not isinstance(algorithm, ec.ECDSA):
                return False
            key.verify(child.signature, child.tbs_certificate_bytes, algorithm)
        else:
            child.verify_directly_issued_by(issuer)
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
        return False
    return True


def _is_valid_ca(certificate: x509.Certificate, now: dt.datetime) -> bool:
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        return False
    try:
        return certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        # A v1 root has no extensions at all; the operator put it in the bundle on purpose.
        return certificate.version == x509.Version.v1
