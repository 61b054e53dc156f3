"""Checks on an operator-supplied certificate chain (from a public CA) for the phone-facing host.

We cannot renew such a certificate, so all we can do is refuse one that would fail every phone:
a key that does not belong to the leaf, a leaf that does not name the configured host, a chain
whose links do not sign each other, or a certificate outside its validity period.
Each refusal carries a stable ``reason`` for the API error and the logs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID

from cert.pem import as_utc, load_chain, load_private_key, normalize_hostnames, public_key_der

REASONS = (
    "unreadable_chain",  # no PEM certificate, or one that does not parse
    "unreadable_key",  # not a PEM key, encrypted, or neither EC nor RSA
    "key_mismatch",  # the key does not belong to the first certificate
    "name_not_covered",  # a configured host name is not among the leaf's subjectAltName DNS names
    "not_server_certificate",  # a CA certificate, or an extendedKeyUsage without serverAuth
    "broken_chain",  # a certificate is not signed by the one after it
    "expired",
    "not_yet_valid",
)


class OperatorCertificateError(ValueError):
    def __init__(self, reason: str, message: str) -> None:
        assert reason in REASONS, reason
        super().__init__(message)
        self.reason = reason


def hostname_matches(pattern: str, hostname: str) -> bool:
    """RFC 6125 matching: exact, or a wildcard standing for exactly one left-most label."""
    pattern, hostname = pattern.lower().rstrip("."), hostname.lower().rstrip(".")
    if not pattern.startswith("*."):
        return pattern == hostname
    label, _, rest = hostname.partition(".")
    return bool(label) and rest == pattern[2:] and "." in rest


def validate_operator_certificate(
    chain_pem: bytes | str,
    key_pem: bytes | str,
    hostnames: Sequence[str],
    now: dt.datetime,
) -> tuple[list[x509.Certificate], CertificateIssuerPrivateKeyTypes]:
    """The parsed chain (leaf first) and key, or ``OperatorCertificateError``.

    Only host names are checked against the leaf: public CAs rarely certify IP addresses, and
    phones that reach the service by address are given our own CA's certificate instead.
    Trust in the public root is the phones' business (their built-in CA lists), not checked here.
    """
    now = as_utc(now)
    try:
        chain = load_chain(chain_pem)
    except ValueError as exc:
        raise OperatorCertificateError(
            "unreadable_chain", f"certificate does not parse: {exc}"
        ) from None
    if not chain:
        raise OperatorCertificateError("unreadable_chain", "no PEM certificate in the chain")
    try:
        key = load_private_key(key_pem.encode() if isinstance(key_pem, str) else key_pem)
    except (ValueError, TypeError) as exc:
        raise OperatorCertificateError("unreadable_key", f"key does not load: {exc}") from None
    leaf = chain[0]
    if public_key_der(leaf.public_key()) != public_key_der(key.public_key()):
        raise OperatorCertificateError(
            "key_mismatch", "the private key does not belong to the first certificate"
        )
    _check_server_usage(leaf)
    _check_names(leaf, hostnames)
    for certificate in chain:
        if certificate.not_valid_after_utc <= now:
            raise OperatorCertificateError(
                "expired",
                f"{certificate.subject.rfc4514_string()} expired"
                f" {certificate.not_valid_after_utc.isoformat()}",
            )
        if certificate.not_valid_before_utc > now:
            raise OperatorCertificateError(
                "not_yet_valid",
                f"{certificate.subject.rfc4514_string()} is valid from"
                f" {certificate.not_valid_before_utc.isoformat()}",
            )
    for child, parent in zip(chain, chain[1:], strict=False):
        try:
            child.verify_directly_issued_by(parent)
        except (InvalidSignature, ValueError, TypeError):
            raise OperatorCertificateError(
                "broken_chain",
                f"{child.subject.rfc4514_string()} is not signed by"
                f" {parent.subject.rfc4514_string()};"
                " put the leaf first, then its issuers in order",
            ) from None
    return chain, key


def _check_server_usage(leaf: x509.Certificate) -> None:
    try:
        constraints = leaf.extensions.get_extension_for_class(x509.BasicConstraints).value
        if constraints.ca:
            raise OperatorCertificateError(
                "not_server_certificate", "the first certificate is a CA certificate"
            )
    except x509.ExtensionNotFound:
        pass
    try:
        usages = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return
    if ExtendedKeyUsageOID.SERVER_AUTH not in usages:
        raise OperatorCertificateError(
            "not_server_certificate", "the certificate's extendedKeyUsage lacks serverAuth"
        )


def _check_names(leaf: x509.Certificate, hostnames: Sequence[str]) -> None:
    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        patterns = san.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        patterns = []  # a CN alone names nothing for today's TLS clients
    missing = [
        name
        for name in normalize_hostnames(hostnames)
        if not any(hostname_matches(p, name) for p in patterns)
    ]
    if missing:
        raise OperatorCertificateError(
            "name_not_covered",
            f"the certificate does not cover {', '.join(missing)} (it names"
            f" {', '.join(patterns) or 'no DNS subjectAltName'})",
        )
