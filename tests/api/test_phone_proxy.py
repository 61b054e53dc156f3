"""Forwarded headers count only from the TLS front; mutual TLS hands credentials only to the
phone whose factory certificate names its MAC."""

from __future__ import annotations

import pytest

from cert import testing
from provisioning.phones.proxy import client_context
from provisioning.phones.serving import Decision, decide
from provisioning.phones.store import StoredDevice
from tests.factories import make_tenant
from tests.factories_fleet import make_network
from tests.factories_phones import (
    OUTSIDE,
    PROXY,
    SNOM_MAC,
    SNOM_UA,
    YEALINK_MAC,
    YEALINK_UA,
    direct,
    make_phone,
    phone_url,
    phone_worker,  # noqa: F401 - autouse fixture
    save,
    sip_password,
    via_proxy,
)

SNOM_SETTINGS = f"{SNOM_MAC.upper()}.xml"


def _same(a, b) -> bool:
    keys = ("Content-Type", "ETag", "Cache-Control", "Content-Length")
    return (a.status_code, a.data, [a.headers.get(k) for k in keys]) == (
        b.status_code, b.data, [b.headers.get(k) for k in keys])


@pytest.fixture
def snom_trust(app, tmp_path, monkeypatch):
    ca = testing.snom_ca()
    monkeypatch.setitem(app.config, "PHONE_CLIENT_CA_FILES", [str(ca.write(tmp_path / "snom.pem"))])
    return ca


@pytest.fixture
def yealink_trust(app, tmp_path, monkeypatch):
    root, issuing = testing.yealink_cas()
    bundle = tmp_path / "yealink.pem"
    bundle.write_bytes(root.pem + issuing.pem)
    monkeypatch.setitem(app.config, "PHONE_CLIENT_CA_FILES", [str(bundle)])
    return issuing


def test_forged_forwarded_headers_and_host_from_a_stranger_change_no_byte(client, snom_trust):
    tenant = make_tenant()
    phone = make_phone(tenant, "snom")
    make_network(tenant, "192.0.2.0/24", http_credentials=True)
    url = f"{phone_url(tenant)}{SNOM_SETTINGS}"
    plain = client.get(url, **direct(SNOM_UA))
    cert = testing.snom_device_certificate(snom_trust, SNOM_MAC).escaped
    forged = client.get(url, **direct(SNOM_UA, headers={
        "X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.10",
        "X-SSL-Client-Cert": cert, "Host": "evil.example", "X-Forwarded-Host": "evil.example"}))
    assert plain.status_code == 200
    assert _same(plain, forged)
    assert sip_password(phone).encode() not in forged.data
    assert b"evil.example" not in forged.data


def test_the_host_header_never_reaches_a_phone_file(client):
    tenant = make_tenant()
    make_phone(tenant, "snom")
    url = f"{phone_url(tenant)}snomD785-{SNOM_MAC.upper()}.htm"
    normal = client.get(url, **via_proxy(SNOM_UA))
    evil = client.get(url, **via_proxy(SNOM_UA, Host="evil.example"))
    assert _same(normal, evil)


def test_an_address_outside_trusted_proxies_cannot_pass_as_the_proxy(app):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.2"}, headers={
            "X-Forwarded-For": "192.0.2.10", "X-Forwarded-Proto": "https"}):
        assert client_context() == ("127.0.0.2", "http", None)
    with app.test_request_context(environ_base={"REMOTE_ADDR": PROXY}, headers={
            "X-Forwarded-For": "192.0.2.10", "X-Forwarded-Proto": "https"}):
        assert client_context() == ("192.0.2.10", "https", None)


def test_the_rightmost_forwarded_address_is_the_phone(app):
    with app.test_request_context(environ_base={"REMOTE_ADDR": PROXY}, headers={
            "X-Forwarded-For": "10.0.0.1, 192.0.2.44", "X-Forwarded-Proto": "http"}):
        assert client_context() == ("192.0.2.44", "http", None)
    with app.test_request_context(environ_base={"REMOTE_ADDR": PROXY}, headers={
            "X-Forwarded-For": "not-an-address"}):
        assert client_context()[0] == PROXY


def _require_mtls(device) -> None:
    device.require_mtls = True
    save()


def test_mtls_gives_credentials_to_the_right_mac_only(client, snom_trust):
    tenant = make_tenant()
    phone = make_phone(tenant, "snom")
    _require_mtls(phone)
    url = f"{phone_url(tenant)}{SNOM_SETTINGS}"
    password = sip_password(phone).encode()
    right = testing.snom_device_certificate(snom_trust, SNOM_MAC).escaped
    other = testing.snom_device_certificate(snom_trust, "000413922d25").escaped
    stranger = testing.snom_device_certificate(testing.make_ca("Not Snom"), SNOM_MAC).escaped
    assert password in client.get(url, **via_proxy(SNOM_UA, cert=right)).data
    assert password not in client.get(url, **via_proxy(SNOM_UA, cert=other)).data
    assert password not in client.get(url, **via_proxy(SNOM_UA, cert=stranger)).data
    assert password not in client.get(url, **via_proxy(SNOM_UA)).data
    assert password not in client.get(url, **via_proxy(SNOM_UA, cert="garbage%0A")).data


def test_mtls_never_gives_credentials_over_plain_http(client, snom_trust):
    tenant = make_tenant(require_mtls=True)
    phone = make_phone(tenant, "snom")
    make_network(tenant, "192.0.2.0/24", http_credentials=True)
    right = testing.snom_device_certificate(snom_trust, SNOM_MAC).escaped
    r = client.get(f"{phone_url(tenant)}{SNOM_SETTINGS}",
                   **via_proxy(SNOM_UA, "192.0.2.10", "http", cert=right))
    assert r.status_code == 200
    assert sip_password(phone).encode() not in r.data


def test_a_yealink_generic_certificate_is_no_device_identity(client, yealink_trust):
    tenant = make_tenant(require_mtls=True)
    phone = make_phone(tenant, "yealink")
    url = f"{phone_url(tenant)}{YEALINK_MAC}.cfg"
    password = sip_password(phone).encode()
    generic = testing.yealink_generic_certificate(yealink_trust).escaped
    own = testing.yealink_device_certificate(yealink_trust, YEALINK_MAC).escaped
    assert password not in client.get(url, **via_proxy(YEALINK_UA, cert=generic)).data
    assert password in client.get(url, **via_proxy(YEALINK_UA, cert=own)).data


def test_without_vendor_bundles_no_certificate_is_accepted(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "PHONE_CLIENT_CA_FILES", [])
    tenant = make_tenant(require_mtls=True)
    phone = make_phone(tenant, "snom")
    cert = testing.snom_device_certificate(testing.snom_ca(), SNOM_MAC).escaped
    r = client.get(f"{phone_url(tenant)}{SNOM_SETTINGS}", **via_proxy(SNOM_UA, cert=cert))
    assert sip_password(phone).encode() not in r.data


TENANT = {"tenant_id": 1, "require_mtls": False, "networks": [
    {"cidr": "192.0.2.0/24", "http_credentials": True, "tftp_credentials": False},
    {"cidr": "10.0.0.0/8", "http_credentials": False, "tftp_credentials": True}]}


def _device(**overrides) -> StoredDevice:
    values = {"mac": SNOM_MAC, "tenant_id": 1, "device_id": 7, "vendor": "snom",
              "model": "D785", "assigned": True, "require_mtls": False, "version": "v"}
    values.update(overrides)
    return StoredDevice(**values)


@pytest.mark.parametrize(("device", "addr", "transport", "cert", "variant"), [
    (_device(), OUTSIDE, "https", None, "full"),
    (_device(), OUTSIDE, "http", None, "public"),
    (_device(), "192.0.2.9", "http", None, "full"),
    (_device(), "192.0.2.9", "tftp", None, "public"),
    (_device(), "10.1.2.3", "tftp", None, "full"),
    (_device(), "10.1.2.3", "http", None, "public"),
    (_device(assigned=False), OUTSIDE, "https", None, "public"),
    (_device(tenant_id=2), OUTSIDE, "https", None, "unknown"),
    (None, OUTSIDE, "https", None, "unknown"),
    (_device(require_mtls=True), OUTSIDE, "https", SNOM_MAC, "full"),
    (_device(require_mtls=True), OUTSIDE, "https", "000413922d25", "public"),
    (_device(require_mtls=True), OUTSIDE, "https", None, "public"),
    (_device(require_mtls=True), "192.0.2.9", "http", SNOM_MAC, "public"),
    (_device(require_mtls=True), "10.1.2.3", "tftp", SNOM_MAC, "public"),
])
def test_the_credentials_decision(device, addr, transport, cert, variant):
    assert decide(device, TENANT, addr, transport, cert).variant == variant


def test_a_tenant_requiring_mtls_binds_all_its_devices():
    tenant = {**TENANT, "require_mtls": True}
    assert decide(_device(), tenant, OUTSIDE, "https", None) == Decision(
        "public", "no_device_certificate")
    assert decide(_device(), tenant, OUTSIDE, "https", SNOM_MAC).credentials
