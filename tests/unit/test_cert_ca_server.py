"""The service's CA and the HTTPS server certificate it issues and renews."""

from __future__ import annotations

import datetime as dt
import ipaddress
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID

from cert.ca import CAError, create_ca, load_ca, load_or_create_ca
from cert.pem import load_chain
from cert.server import ensure_server_certificate, issue_server_certificate, needs_renewal

NOW = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def ca(tmp_path):
    return create_ca(tmp_path / "ca", "Provisioning Test CA", now=NOW)


def test_new_ca_is_a_self_signed_v3_ca_valid_for_ten_years(ca):
    certificate = ca.certificate
    assert certificate.version == x509.Version.v3
    assert certificate.subject == certificate.issuer
    certificate.verify_directly_issued_by(certificate)
    constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca and constraints.value.path_length == 0
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign and not usage.digital_signature
    ski = certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    aki = certificate.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    assert isinstance(ca.key, ec.EllipticCurvePrivateKey) and ca.key.curve.name == "secp256r1"
    lifetime = certificate.not_valid_after_utc - certificate.not_valid_before_utc
    assert lifetime == dt.timedelta(days=3650)
    assert certificate.not_valid_before_utc <= NOW


def test_ca_key_is_private_to_the_service(ca):
    assert mode(ca.key_path) == 0o600
    assert mode(ca.directory) == 0o700
    assert b"BEGIN PRIVATE KEY" in ca.key_path.read_bytes()


def test_ca_reloads_from_its_directory(ca):
    again = load_ca(ca.directory)
    assert again.certificate == ca.certificate
    assert again.key.private_numbers() == ca.key.private_numbers()


def test_an_existing_ca_is_never_overwritten(ca):
    with pytest.raises(CAError):
        create_ca(ca.directory, "Another CA")
    assert load_or_create_ca(ca.directory, "Another CA").certificate == ca.certificate


def test_loading_a_missing_or_mismatched_ca_fails_clearly(tmp_path, ca):
    with pytest.raises(CAError, match="missing"):
        load_ca(tmp_path / "nowhere")
    other = create_ca(tmp_path / "other", "Other CA")
    (ca.directory / "ca.key").write_bytes(other.key_path.read_bytes())
    with pytest.raises(CAError, match="does not belong"):
        load_ca(ca.directory)


def test_server_certificate_names_hosts_and_addresses_for_server_auth(ca):
    chain_pem, key_pem = issue_server_certificate(
        ca, ["Prov.Example.NET.", "prov.example.net"], ["192.0.2.10", "2001:db8::1"], now=NOW
    )
    leaf, issuer = load_chain(chain_pem)
    assert issuer == ca.certificate
    leaf.verify_directly_issued_by(ca.certificate)
    assert leaf.version == x509.Version.v3
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["prov.example.net"]
    assert san.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("192.0.2.10"),
        ipaddress.ip_address("2001:db8::1"),
    ]
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    leaf.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
    assert leaf.not_valid_after_utc == NOW + dt.timedelta(days=90)
    assert key_pem.startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8, as granian wants
    key = serialization.load_pem_private_key(key_pem, None)
    assert key.public_key() == leaf.public_key()


def test_server_certificate_passes_a_strict_tls_client_verification(ca):
    verification = pytest.importorskip("cryptography.x509.verification")
    chain_pem, _ = issue_server_certificate(ca, ["prov.example.net"], ["192.0.2.10"], now=NOW)
    leaf = load_chain(chain_pem)[0]
    store = verification.Store([ca.certificate])
    for subject in (
        x509.DNSName("prov.example.net"),
        x509.IPAddress(ipaddress.ip_address("192.0.2.10")),
    ):
        verifier = (
            verification.PolicyBuilder().store(store).time(NOW).build_server_verifier(subject)
        )
        verifier.verify(leaf, [])


def test_server_certificate_needs_a_name(ca):
    with pytest.raises(ValueError):
        issue_server_certificate(ca, [], [])


def test_renewal_is_due_thirty_days_before_expiry(ca):
    chain_pem, _ = issue_server_certificate(ca, ["prov.example.net"], [], days=90, now=NOW)
    assert not needs_renewal(chain_pem, NOW)
    assert not needs_renewal(chain_pem, NOW + dt.timedelta(days=59))
    assert needs_renewal(chain_pem, NOW + dt.timedelta(days=60))
    assert needs_renewal(chain_pem, NOW + dt.timedelta(days=100))
    assert needs_renewal(chain_pem, NOW + dt.timedelta(days=20), before_days=75)
    assert needs_renewal(b"not a certificate", NOW)


def test_ensure_writes_chain_and_private_key_once(ca, tmp_path):
    directory = tmp_path / "tls"
    first = ensure_server_certificate(ca, directory, ["prov.example.net"], ["192.0.2.10"], NOW)
    assert first.changed and first.source == "own" and not first.expires_soon
    assert first.cert_path == directory / "server.crt"
    assert mode(first.key_path) == 0o600
    assert len(load_chain(first.cert_path.read_bytes())) == 2
    pem_before = first.cert_path.read_bytes()

    later = NOW + dt.timedelta(days=10)
    again = ensure_server_certificate(ca, directory, ["prov.example.net"], ["192.0.2.10"], later)
    assert not again.changed
    assert first.cert_path.read_bytes() == pem_before
    assert not [p for p in directory.iterdir() if p.name.endswith(".tmp")]


def test_ensure_renews_a_certificate_close_to_expiry(ca, tmp_path):
    first = ensure_server_certificate(ca, tmp_path, ["prov.example.net"], [], NOW)
    later = NOW + dt.timedelta(days=65)
    renewed = ensure_server_certificate(ca, tmp_path, ["prov.example.net"], [], later)
    assert renewed.changed
    assert renewed.not_valid_after == later + dt.timedelta(days=90)
    assert renewed.not_valid_after > first.not_valid_after


def test_ensure_reissues_when_the_configured_names_change(ca, tmp_path):
    ensure_server_certificate(ca, tmp_path, ["prov.example.net"], ["192.0.2.10"], NOW)
    moved = ensure_server_certificate(ca, tmp_path, ["prov.example.net"], ["192.0.2.99"], NOW)
    assert moved.changed
    leaf = load_chain(moved.cert_path.read_bytes())[0]
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("192.0.2.99")]
    # the same names in another order or case are not a change
    same = ensure_server_certificate(ca, tmp_path, ["PROV.example.net"], ["192.0.2.99"], NOW)
    assert not same.changed


def test_ensure_reissues_after_the_ca_was_replaced(ca, tmp_path):
    ensure_server_certificate(ca, tmp_path / "tls", ["prov.example.net"], [], NOW)
    new_ca = create_ca(tmp_path / "new-ca", "Replacement CA", now=NOW)
    result = ensure_server_certificate(new_ca, tmp_path / "tls", ["prov.example.net"], [], NOW)
    assert result.changed
    load_chain(result.cert_path.read_bytes())[0].verify_directly_issued_by(new_ca.certificate)


def test_ensure_replaces_a_damaged_key_file(ca, tmp_path):
    first = ensure_server_certificate(ca, tmp_path, ["prov.example.net"], [], NOW)
    first.key_path.write_bytes(b"garbage")
    assert ensure_server_certificate(ca, tmp_path, ["prov.example.net"], [], NOW).changed
