"""An operator's own certificate chain from a public CA, in place of the service's CA."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from cert import testing
from cert.ca import create_ca
from cert.operator import OperatorCertificateError, hostname_matches, validate_operator_certificate
from cert.pem import load_chain
from cert.server import ensure_server_certificate

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
HOSTS = ["prov.example.net"]


def refusal(chain, key, hostnames=HOSTS, now=NOW) -> str:
    with pytest.raises(OperatorCertificateError) as caught:
        validate_operator_certificate(chain, key, hostnames, now)
    return caught.value.reason


def test_a_valid_public_chain_is_accepted():
    chain_pem, key_pem, _root = testing.public_server_chain(HOSTS)
    chain, key = validate_operator_certificate(chain_pem, key_pem, HOSTS, NOW)
    assert [c.subject.rfc4514_string() for c in chain] == [
        "CN=prov.example.net",
        "CN=Fake Public Issuing R2",
    ]
    assert key.public_key() == chain[0].public_key()


def test_a_key_that_belongs_to_another_certificate_is_refused():
    chain_pem, _, _ = testing.public_server_chain(HOSTS)
    _, other_key, _ = testing.public_server_chain(["other.example.net"])
    assert refusal(chain_pem, other_key) == "key_mismatch"


def test_a_certificate_for_other_names_is_refused():
    chain_pem, key_pem, _ = testing.public_server_chain(["www.example.net"])
    assert refusal(chain_pem, key_pem) == "name_not_covered"


def test_a_wildcard_covers_one_label():
    chain_pem, key_pem, _ = testing.public_server_chain(["*.example.net"])
    validate_operator_certificate(chain_pem, key_pem, ["prov.example.net"], NOW)
    assert refusal(chain_pem, key_pem, ["a.prov.example.net"]) == "name_not_covered"
    assert not hostname_matches("*.net", "example.net")
    assert not hostname_matches("*.example.net", "example.net")


def test_an_expired_or_future_certificate_is_refused():
    chain_pem, key_pem, _ = testing.public_server_chain(
        HOSTS,
        not_before=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        not_after=dt.datetime(2024, 4, 1, tzinfo=dt.UTC),
    )
    assert refusal(chain_pem, key_pem) == "expired"
    assert refusal(chain_pem, key_pem, now=dt.datetime(2023, 1, 1, tzinfo=dt.UTC)) == (
        "not_yet_valid"
    )


def test_a_chain_in_the_wrong_order_is_refused():
    chain_pem, key_pem, root = testing.public_server_chain(HOSTS)
    leaf, _intermediate = load_chain(chain_pem)
    wrong = leaf.public_bytes(serialization.Encoding.PEM) + root.pem  # the intermediate is missing
    assert refusal(wrong, key_pem) == "broken_chain"


def test_a_client_certificate_or_garbage_is_refused():
    vendor = testing.snom_ca()
    phone = testing.snom_device_certificate(vendor, "000413a11fa7")
    assert refusal(phone.pem, phone.key_pem, ["000413A11FA7"]) == "not_server_certificate"
    assert refusal(b"nothing here", phone.key_pem) == "unreadable_chain"
    assert refusal(phone.pem, b"-----BEGIN PRIVATE KEY-----\nAAAA\n") == "unreadable_key"


def test_operator_chain_is_installed_as_the_server_certificate(tmp_path):
    ca = create_ca(tmp_path / "ca", "Provisioning CA")
    chain_pem, key_pem, _ = testing.public_server_chain(HOSTS)
    # operators often have a traditional "BEGIN EC PRIVATE KEY" file; granian needs PKCS#8
    sec1 = serialization.load_pem_private_key(key_pem, None).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    result = ensure_server_certificate(
        ca, tmp_path / "tls", HOSTS, [], NOW, operator_chain=chain_pem, operator_key=sec1
    )
    assert result.source == "operator" and result.changed and not result.expires_soon
    assert result.cert_path.read_bytes() == chain_pem
    assert result.key_path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    again = ensure_server_certificate(
        ca, tmp_path / "tls", HOSTS, [], NOW, operator_chain=chain_pem, operator_key=sec1
    )
    assert not again.changed
    soon = ensure_server_certificate(
        ca,
        tmp_path / "tls",
        HOSTS,
        [],
        dt.datetime(2044, 12, 15, tzinfo=dt.UTC),
        operator_chain=chain_pem,
        operator_key=key_pem,
    )
    assert soon.expires_soon  # a warning for the operator: we cannot renew their certificate


def test_a_refused_operator_chain_leaves_the_current_files_alone(tmp_path):
    ca = create_ca(tmp_path / "ca", "Provisioning CA")
    own = ensure_server_certificate(ca, tmp_path / "tls", HOSTS, [], NOW)
    before = own.cert_path.read_bytes()
    chain_pem, _, _ = testing.public_server_chain(HOSTS)
    _, other_key, _ = testing.public_server_chain(["other.example.net"])
    with pytest.raises(OperatorCertificateError):
        ensure_server_certificate(
            ca, tmp_path / "tls", HOSTS, [], NOW, operator_chain=chain_pem, operator_key=other_key
        )
    assert own.cert_path.read_bytes() == before


def test_a_certificate_without_subject_alt_name_covers_nothing():
    issuer = testing.make_ca("Old Style CA")
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "prov.example.net")])
    cn_only = issuer.issue(subject, client_auth=False)
    assert refusal(cn_only.pem, cn_only.key_pem) == "name_not_covered"
