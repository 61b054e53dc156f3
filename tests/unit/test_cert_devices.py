"""Mutual TLS: a phone's factory certificate must come from a vendor CA and name the phone's MAC."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from cert import testing
from cert.devices import (
    HAVE_VERIFIER,
    REASONS,
    DeviceTrust,
    macs_in_subject,
    normalize_mac,
    verify_device_certificate,
)

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
SNOM_MAC = "000413a11fa7"
YEALINK_MAC = "805ec0a1b2c3"

# Both verification paths must agree on everything but legacy algorithms.
both_paths = pytest.mark.parametrize(
    "strict", [pytest.param(True, id="policy"), pytest.param(False, id="signature")]
)


@pytest.fixture(scope="module")
def snom():
    return testing.snom_ca()


@pytest.fixture(scope="module")
def yealink():
    return testing.yealink_cas()


@pytest.fixture(scope="module")
def trust(tmp_path_factory, snom, yealink):
    """The configured vendor bundles, read from PEM files like the service does."""
    directory = tmp_path_factory.mktemp("vendor-cas")
    root, issuing = yealink
    snom.write(directory / "snom.pem")
    (directory / "yealink.pem").write_bytes(root.pem + issuing.pem)
    return DeviceTrust.from_files(str(directory / "snom.pem"), str(directory / "yealink.pem"))


def check(certificate, trust, mac, strict=True, now=NOW):
    return verify_device_certificate(certificate, trust, mac, now, strict=strict)


@both_paths
def test_snom_phone_with_its_mac_in_the_common_name_is_accepted(snom, trust, strict):
    phone = testing.snom_device_certificate(snom, SNOM_MAC)
    result = check(phone.pem, trust, "00:04:13:A1:1F:A7", strict)
    assert result.ok and result.reason is None
    assert result.mac == SNOM_MAC
    assert result.subject == "CN=000413A11FA7"
    assert "CN=Snom Phone 1 SHA-256" in result.issuer


@both_paths
def test_yealink_phone_with_its_mac_in_the_serial_number_is_accepted(yealink, trust, strict):
    phone = testing.yealink_device_certificate(yealink[1], YEALINK_MAC)
    result = check(phone.pem, trust, YEALINK_MAC.upper(), strict)
    assert result.ok, result.reason
    assert result.mac == YEALINK_MAC
    assert "serialNumber=ffffffff-ffff-ffff-fff0-805ec0a1b2c3" in result.subject


def test_nginx_escaped_certificate_is_accepted(snom, trust):
    phone = testing.snom_device_certificate(snom, SNOM_MAC)
    assert "%0A" in phone.escaped and "\n" not in phone.escaped
    assert check(phone.escaped, trust, SNOM_MAC).ok


def test_certificate_whose_newlines_became_spaces_is_accepted(snom, trust):
    phone = testing.snom_device_certificate(snom, SNOM_MAC)
    assert check(phone.pem.decode().replace("\n", " "), trust, SNOM_MAC).ok


@both_paths
def test_certificate_of_another_phone_is_refused(snom, trust, strict):
    other = testing.snom_device_certificate(snom, "000413b00001")
    result = check(other.pem, trust, SNOM_MAC, strict)
    assert not result.ok
    assert result.reason == "mac_mismatch"
    assert result.mac == "000413b00001"  # the log says whose certificate it was


@both_paths
def test_yealink_generic_certificate_is_refused(yealink, trust, strict):
    generic = testing.yealink_generic_certificate(yealink[1])
    result = check(generic.pem, trust, YEALINK_MAC, strict)
    assert (result.ok, result.reason, result.mac) == (False, "generic_certificate", None)


@both_paths
def test_certificate_from_an_unknown_ca_is_refused(strict, trust):
    impostor = testing.make_ca("Cheap Phone Factory CA")
    forged = testing.snom_device_certificate(impostor, SNOM_MAC)
    assert check(forged.pem, trust, SNOM_MAC, strict).reason == "untrusted"


@both_paths
def test_certificate_forged_under_a_lookalike_vendor_name_is_refused(strict, trust):
    # Same issuer name as snom's, another key (fake keys derive from the name, so RSA here):
    # a name match alone must not be trusted.
    lookalike = testing.make_ca(testing.snom_ca().certificate.subject, key_algorithm="rsa-2048")
    forged = testing.snom_device_certificate(lookalike, SNOM_MAC)
    assert check(forged.pem, trust, SNOM_MAC, strict).reason == "untrusted"


@both_paths
def test_phone_certificate_cannot_issue_certificates_for_other_phones(snom, strict):
    # A phone's own key signing a "device certificate" for another MAC, with that phone's
    # certificate (not a CA) somehow among the trusted ones.
    phone = testing.snom_device_certificate(snom, SNOM_MAC)
    as_issuer = testing.FakeCA(certificate=phone.certificate, key=phone.key)
    forged = testing.snom_device_certificate(as_issuer, "000413b00002")
    trust = DeviceTrust([snom.certificate, phone.certificate])
    assert check(forged.pem, trust, "000413b00002", strict).reason == "untrusted"


@both_paths
def test_expired_or_not_yet_valid_certificate_is_refused(snom, trust, strict):
    old = testing.snom_device_certificate(
        snom,
        SNOM_MAC,
        not_before=dt.datetime(2015, 1, 1, tzinfo=dt.UTC),
        not_after=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    )
    assert check(old.pem, trust, SNOM_MAC, strict).reason == "expired"
    phone = testing.snom_device_certificate(snom, SNOM_MAC)
    early = dt.datetime(2019, 1, 1, tzinfo=dt.UTC)
    assert check(phone.pem, trust, SNOM_MAC, strict, now=early).reason == "expired"


@both_paths
def test_certificate_of_an_expired_vendor_ca_is_refused(strict):
    stale = testing.make_ca("Stale Vendor CA", not_after=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    phone = stale.issue(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SNOM_MAC)]),
        not_after=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
    )
    assert check(phone.pem, [stale.certificate], SNOM_MAC, strict).reason == "untrusted"


def test_yealink_bundle_needs_the_issuing_ca_not_only_the_root(yealink):
    root, issuing = yealink
    phone = testing.yealink_device_certificate(issuing, YEALINK_MAC)
    assert check(phone.pem, [issuing.certificate], YEALINK_MAC).ok
    # nginx passes only the leaf, so there is no path from it to a lone root
    assert check(phone.pem, [root.certificate], YEALINK_MAC).reason == "untrusted"


@pytest.mark.parametrize("missing", [None, "", "  ", "-", b""])
def test_no_certificate_is_reported_as_such(trust, missing):
    result = check(missing, trust, SNOM_MAC)
    assert (result.ok, result.reason) == (False, "no_certificate")


@pytest.mark.parametrize(
    "garbage",
    ["hello", "-----BEGIN CERTIFICATE-----%0AAAAA%0A-----END CERTIFICATE-----%0A"],
)
def test_something_that_is_not_a_certificate_is_malformed(trust, garbage):
    assert check(garbage, trust, SNOM_MAC).reason == "malformed_certificate"


# Made with openssl (cryptography no longer signs with SHA-1): a "Snom Phone 1" CA signed with
# SHA-1 and a v1 phone certificate with an RSA-1024 key, CN=000413A11FA7, the shape of factory
# certificates from before SHA-2. Valid 2026-11 to 2048/2051.
OLD_SNOM_CA = """\
-----BEGIN CERTIFICATE-----
MIID/zCCAuegAwIBAgIUKGJOYSsfCIqiKF8jDE3bwzQjOIswDQYJKoZIhvcNAQEF
BQAwgYUxCzAJBgNVBAYTAkRFMQ8wDQYDVQQIDAZCZXJsaW4xDzANBgNVBAcMBkJl
cmxpbjEbMBkGA1UECgwSU25vbSBUZWNobm9sb2d5IEFHMRUwEwYDVQQDDAxTbm9t
IFBob25lIDExIDAeBgkqhkiG9w0BCQEWEXNlY3VyaXR5QHNub20uY29tMCAXDTI2
MTEyMzE4NTEwOFoYDzIwNTEwNzE1MTg1MTA4WjCBhTELMAkGA1UEBhMCREUxDzAN
BgNVBAgMBkJlcmxpbjEPMA0GA1UEBwwGQmVybGluMRswGQYDVQQKDBJTbm9tIFRl
Y2hub2xvZ3kgQUcxFTATBgNVBAMMDFNub20gUGhvbmUgMTEgMB4GCSqGSIb3DQEJ
ARYRc2VjdXJpdHlAc25vbS5jb20wggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEK
AoIBAQC+rgpKxKNwVb3TJQMkfUz6JzCCr9rcLMhKF5VCajuT/ZKNREguBGEBn7n6
MJZbgfXGL1v/Sz2Z8FFUf5Vg5IwLc1Sbs24bFXQQxwy61HFv1RXk3S/CzOvdwXZZ
CFeNZhEpaHxyQGjexuduiBtfwg5LsVWoYYF3mCALDbtuSCrzxzmsiiMTEGhNWEr6
G7Mfyf83Q80L6FZr6S/1uNKfrF778CjdfxozBtPkvULP40pAFbZXEAi926Vmk+0a
kzlfN5IN81+gZlsRukAH0WKVvwObeNzVwVhwtLo8DBm/KK5fZ/PSHLtnSED/8NoO
noZuLnLI9BxaQ8cp8X51IKb2i8LRAgMBAAGjYzBhMB0GA1UdDgQWBBTHGrYVqrAf
ySOAAAWR7HvhxCiqqjAfBgNVHSMEGDAWgBTHGrYVqrAfySOAAAWR7HvhxCiqqjAP
BgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwICBDANBgkqhkiG9w0BAQUFAAOC
AQEAcEwchJ/dFaeTKcZyKm/6bZPMnj4EJlDlKunGQJVEWSzZGLVr6DuRj7aVfsJQ
AXEXpVEEayV2O3BSfTbgUtthreYX8n+P5oCSTlOyx+++GsrvxXW5pA7kwzg5zSQg
kr8yjNEs/GDR1MceVCVssFTrJMcbe0fEHUNkT3COUWBZJk8QT9f0DLcMzlN6D3rH
kJHO199R4spSbPSJmr/h+n7jctVzlpzQMlokX5GvoP4MxAtYYaEWGKto8QFnj9Yt
gZrm2ztl1hBcuYjv/2bTiezKgry++aHfA1lTre5KGXyhRpKu/pl1vczq61IXZWjU
a+/yOgm2Yfqh9ZgTH4JPlOrZUw==
-----END CERTIFICATE-----
"""
OLD_SNOM_PHONE = """\
-----BEGIN CERTIFICATE-----
MIICjjCCAXYCAhJnMA0GCSqGSIb3DQEBBQUAMIGFMQswCQYDVQQGEwJERTEPMA0G
A1UECAwGQmVybGluMQ8wDQYDVQQHDAZCZXJsaW4xGzAZBgNVBAoMElNub20gVGVj
aG5vbG9neSBBRzEVMBMGA1UEAwwMU25vbSBQaG9uZSAxMSAwHgYJKoZIhvcNAQkB
FhFzZWN1cml0eUBzbm9tLmNvbTAeFw0yNjExMjMxODUxMDhaFw00ODEwMTgxODUx
MDhaMBcxFTATBgNVBAMMDDAwMDQxM0ExMUZBNzCBnzANBgkqhkiG9w0BAQEFAAOB
jQAwgYkCgYEAttIBEnqDNXHGyk3l84eBjzPWCNVtecgHfCrTYlmPt4ht/KYuiq6u
S2VXPO7CtURSDk6P+kylzCiWc5PHKq6fZjKMWMPdsHhKFZPd9zfGOWrOBCW2j9NP
olFuR2VruHfXv8cP6VoDQtBlTvUgXv+oIbXDuBqkJg00ZIOLqyT0BUkCAwEAATAN
BgkqhkiG9w0BAQUFAAOCAQEAbHECLrl2vC5myE1ao7URuAd7FAxcNqAZTnVHFZRG
BAuxaGIuyEnLy1AWK0pRrh+bwMF6sX4ZTRUrsIgDfztN3TLuemI+Z1aHaLIEq1Se
b9Z97qRnfK+vKsJZRjqTj4UIHxvfXUTdbFmAPy25OYYUg3NJtX/2Hqi/2MGDEJey
k+Jq3IYlxe50BwACOaDiyQYRwu5LrHFyQ3e84ZyzhkNH8GkDWf0JuJtHIbrjwysa
bWqd5OTNUOCsyhs3fp8sFEQfWnWkHcChn8kahbTpzdueDh0fH/rnSgABkw/vm0SN
ne6ygLWXIzAqABQEeKhexYfecRSOvDDpOblSvUfDDqevTQ==
-----END CERTIFICATE-----
"""


def test_old_sha1_factory_certificates_need_the_non_strict_path():
    ca = x509.load_pem_x509_certificate(OLD_SNOM_CA.encode())
    phone = x509.load_pem_x509_certificate(OLD_SNOM_PHONE.encode())
    assert phone.version == x509.Version.v1
    now = phone.not_valid_before_utc + dt.timedelta(days=1)
    lenient = check(OLD_SNOM_PHONE, [ca], SNOM_MAC, strict=False, now=now)
    assert lenient.ok, lenient.reason
    assert "CN=Snom Phone 1," in lenient.issuer
    assert check(OLD_SNOM_PHONE, [ca], "000413b00004", strict=False, now=now).reason == (
        "mac_mismatch"
    )
    if HAVE_VERIFIER:
        assert check(OLD_SNOM_PHONE, [ca], SNOM_MAC, now=now).reason == "untrusted"


def test_mac_in_both_common_name_and_serial_number_must_agree(snom):
    def subject(cn, serial):
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, cn),
                x509.NameAttribute(NameOID.SERIAL_NUMBER, serial),
            ]
        )

    same = snom.issue(subject(SNOM_MAC, "ffffffff-ffff-ffff-fff0-" + SNOM_MAC))
    assert check(same.pem, [snom.certificate], SNOM_MAC).ok
    differ = snom.issue(subject(SNOM_MAC, "ffffffff-ffff-ffff-fff0-000413b00003"))
    assert check(differ.pem, [snom.certificate], SNOM_MAC).reason == "conflicting_identity"


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ([(NameOID.COMMON_NAME, "000413A11FA7")], {"000413a11fa7"}),
        ([(NameOID.COMMON_NAME, "00:04:13:a1:1f:a7")], {"000413a11fa7"}),
        ([(NameOID.COMMON_NAME, "00-04-13-A1-1F-A7")], {"000413a11fa7"}),
        ([(NameOID.SERIAL_NUMBER, "ffffffff-ffff-ffff-fff0-805ec0a1b2c3")], {"805ec0a1b2c3"}),
        ([(NameOID.COMMON_NAME, "yealink.com")], set()),
        ([(NameOID.COMMON_NAME, "000413A11FA7X")], set()),
        ([(NameOID.SERIAL_NUMBER, "ffffffff-ffff-ffff-ffff-ffffffffffff")], set()),
        ([(NameOID.COMMON_NAME, "000000000000")], set()),
        ([(NameOID.SERIAL_NUMBER, "SN-1234")], set()),
    ],
)
def test_mac_is_read_from_common_name_or_serial_number(attributes, expected):
    name = x509.Name([x509.NameAttribute(oid, value) for oid, value in attributes])
    assert macs_in_subject(name) == expected


def test_mac_notations_are_normalized():
    assert normalize_mac("00:04:13:A1:1F:A7") == "000413a11fa7"
    assert normalize_mac("0004.13a1.1fa7") == "000413a11fa7"
    assert normalize_mac("not a mac") is None


def test_reasons_are_the_documented_stable_strings():
    assert set(REASONS) >= {
        "no_certificate",
        "untrusted",
        "expired",
        "generic_certificate",
        "mac_mismatch",
    }


def test_a_trust_needs_at_least_one_ca():
    with pytest.raises(ValueError):
        DeviceTrust([])
