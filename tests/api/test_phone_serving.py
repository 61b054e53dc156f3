"""Phones fetch their files under the tenant's URL: credentials only where the rules allow."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from lxml import etree
from sqlalchemy import event

from provisioning.extensions import db
from tests.factories import make_tenant
from tests.factories_fleet import make_network
from tests.factories_phones import (
    OUTSIDE,
    SNOM_MAC,
    SNOM_UA,
    YEALINK_MAC,
    YEALINK_UA,
    direct,
    make_phone,
    phone_tenant,
    phone_url,
    phone_worker,  # noqa: F401 - autouse fixture
    save,
    sip_password,
    via_proxy,
)

SNOM_SETTINGS = f"{SNOM_MAC.upper()}.xml"
YEALINK_CFG = f"{YEALINK_MAC}.cfg"


def test_a_snom_phone_gets_its_account_over_https_through_the_proxy(client):
    tenant = make_tenant()
    phone = make_phone(tenant, "snom")
    base = phone_url(tenant)
    container = client.get(f"{base}snomD785-{SNOM_MAC.upper()}.htm", **via_proxy(SNOM_UA))
    assert container.status_code == 200
    url = etree.fromstring(container.data).find("file").get("url")
    assert url == f"http://127.0.0.1:8080{base}{SNOM_SETTINGS}"
    r = client.get(f"{base}{SNOM_SETTINGS}", **via_proxy(SNOM_UA))
    assert r.status_code == 200
    assert r.content_type.startswith("application/xml")
    assert r.headers["Cache-Control"] == "no-store"
    settings = etree.fromstring(r.data)
    assert settings.findtext(".//user_pass") == sip_password(phone)
    assert settings.findtext(".//user_name") == phone.employee.sip_account.username


def test_a_yealink_phone_gets_its_account_over_https_through_the_proxy(client):
    tenant = make_tenant()
    phone = make_phone(tenant, "yealink")
    r = client.get(f"{phone_url(tenant)}{YEALINK_CFG}", **via_proxy(YEALINK_UA))
    assert r.status_code == 200
    assert r.data.startswith(b"#!version:1.0.0.1\n")
    assert sip_password(phone).encode() in r.data
    common = client.get(f"{phone_url(tenant)}y000000000028.cfg", **via_proxy(YEALINK_UA))
    assert common.status_code == 200
    assert sip_password(phone).encode() not in common.data


def test_plain_http_from_outside_any_network_gets_no_credentials(client):
    tenant = make_tenant()
    phone = make_phone(tenant, "snom")
    make_network(tenant, "192.0.2.0/24", http_credentials=True)
    r = client.get(f"{phone_url(tenant)}{SNOM_SETTINGS}", **direct(SNOM_UA, OUTSIDE))
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-cache"
    assert sip_password(phone).encode() not in r.data
    assert phone.employee.sip_account.username.encode() not in r.data
    assert etree.fromstring(r.data).findtext(".//setting_server").endswith(phone_url(tenant))


def test_plain_http_gets_credentials_only_inside_a_network_that_allows_them(client):
    tenant = make_tenant()
    phone = make_phone(tenant, "yealink")
    make_network(tenant, "192.0.2.0/24", http_credentials=True)
    make_network(tenant, "10.9.0.0/16", http_credentials=False, tftp_credentials=True)
    url = f"{phone_url(tenant)}{YEALINK_CFG}"
    password = sip_password(phone).encode()
    assert password in client.get(url, **direct(YEALINK_UA, "192.0.2.10")).data
    assert password in client.get(url, **via_proxy(YEALINK_UA, "192.0.2.11", "http")).data
    assert password not in client.get(url, **direct(YEALINK_UA, "10.9.1.1")).data
    assert password not in client.get(url, **via_proxy(YEALINK_UA, "10.9.1.1", "http")).data
    assert password not in client.get(url, **direct(YEALINK_UA, "192.0.3.10")).data


def test_an_unassigned_device_gets_no_credentials_even_over_https(client):
    tenant = make_tenant()
    make_phone(tenant, "snom", assigned=False)
    r = client.get(f"{phone_url(tenant)}{SNOM_SETTINGS}", **via_proxy(SNOM_UA))
    assert r.status_code == 200
    assert b"user_pass" not in r.data


def test_another_tenants_device_is_an_unknown_phone_here(client):
    ours, theirs = make_tenant(), make_tenant()
    phone = make_phone(theirs, "yealink")
    url = f"{phone_url(ours)}{YEALINK_CFG}"
    r = client.get(url, **via_proxy(YEALINK_UA))
    assert r.status_code == 200
    assert sip_password(phone).encode() not in r.data
    assert phone_url(ours).encode() in r.data and phone_url(theirs).encode() not in r.data
    # the same answer as for a MAC nobody has
    other = client.get(url.replace(YEALINK_MAC, "0015654aa938"),
                       **via_proxy(YEALINK_UA.replace("a9:37", "a9:38")))
    assert len(other.data) == len(r.data)


def test_an_unchanged_file_is_a_304_and_head_works(client):
    tenant = make_tenant()
    make_phone(tenant, "snom")
    url = f"{phone_url(tenant)}{SNOM_SETTINGS}"
    first = client.get(url, **via_proxy(SNOM_UA))
    etag = first.headers["ETag"]
    again = client.get(url, **via_proxy(SNOM_UA, If_None_Match=etag))
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    head = client.head(url, **via_proxy(SNOM_UA))
    assert head.status_code == 200 and head.data == b""
    assert head.headers["ETag"] == etag
    stale = client.get(url, **via_proxy(SNOM_UA, If_None_Match='"something-else"'))
    assert stale.status_code == 200 and stale.data == first.data


def test_a_wrong_secret_is_a_small_404(client):
    tenant = make_tenant()
    make_phone(tenant, "snom")
    for base in ("/p/0123456789abcdef0123456789abcdef/", "/p/short/", "/p/../"):
        r = client.get(f"{base}{SNOM_SETTINGS}", **via_proxy(SNOM_UA))
        assert r.status_code == 404
        assert r.data == b"not found\n"


def test_the_previous_secret_works_during_its_grace_period_only(client):
    tenant = make_tenant()
    phone = make_phone(tenant, "snom")
    old = phone_url(tenant)
    tenant.url_secret_generation = 2
    tenant.previous_url_secret_valid_until = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    save()
    new = phone_url(tenant)
    assert new != old
    for base in (old, new):
        r = client.get(f"{base}{SNOM_SETTINGS}", **via_proxy(SNOM_UA))
        assert r.status_code == 200
        assert sip_password(phone).encode() in r.data
        assert new.encode() in r.data  # the phone is told the new URL
    tenant.previous_url_secret_valid_until = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    save()
    assert client.get(f"{old}{SNOM_SETTINGS}", **via_proxy(SNOM_UA)).status_code == 404
    assert client.get(f"{new}{SNOM_SETTINGS}", **via_proxy(SNOM_UA)).status_code == 200


@pytest.mark.parametrize("name", [
    "../provisioning.sqlite",
    "..%2f..%2fetc%2fpasswd",
    "%2e%2e/%2e%2e/etc/passwd",
    "%252e%252e%252f" + SNOM_SETTINGS,
    "..\\..\\" + SNOM_SETTINGS,
    SNOM_SETTINGS + "%00",
    "x/../" + SNOM_SETTINGS,
    "/etc/passwd",
    ".." + SNOM_SETTINGS,
    "a" * 201 + ".xml",
    "cfg0015654aa937.xml",  # a Grandstream name: no vendor of ours
    "snomD785-00041392XYZ4.htm",
    "0015654aa937.boot",  # recognised, never served
])
def test_hostile_or_unknown_names_get_a_4xx_without_any_stored_content(client, name):
    tenant = make_tenant()
    phone = make_phone(tenant, "snom")
    r = client.get(f"{phone_url(tenant)}{name}", **via_proxy(SNOM_UA))
    assert r.status_code in (400, 404)
    assert b"<settings" not in r.data and sip_password(phone).encode() not in r.data
    assert b"Traceback" not in r.data and len(r.data) < 200


def test_a_query_string_too_long_is_refused(client):
    tenant = make_tenant()
    make_phone(tenant, "snom")
    r = client.get(f"{phone_url(tenant)}{SNOM_SETTINGS}?x={'a' * 300}", **via_proxy(SNOM_UA))
    assert r.status_code == 400


def test_phones_fetch_our_ca_certificate(client, app):
    tenant = phone_tenant()
    r = client.get(f"{phone_url(tenant)}ca.crt", **direct(YEALINK_UA))
    assert r.status_code == 200
    assert r.content_type == "application/x-x509-ca-cert"
    assert r.data.decode() == app.extensions["provisioning.ca_pem"]


def test_a_known_device_fetch_does_not_query_the_service_database(client):
    tenant = make_tenant()
    phone = make_phone(tenant, "snom")
    url = f"{phone_url(tenant)}{SNOM_SETTINGS}"
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    db.session.commit()  # end the test's own open transaction: count the request's alone
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        r = client.get(url, **via_proxy(SNOM_UA))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert r.status_code == 200 and sip_password(phone).encode() in r.data
    assert statements == []


def test_an_unreadable_render_store_is_a_503_with_retry_after(client, app, monkeypatch):
    tenant = make_tenant()
    make_phone(tenant, "snom")
    store = app.extensions["provisioning.render_store"]

    def broken(*_args):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store, "file", broken)
    r = client.get(f"{phone_url(tenant)}{SNOM_SETTINGS}", **via_proxy(SNOM_UA))
    assert r.status_code == 503
    assert r.headers["Retry-After"].isdigit()
    assert b"<settings" not in r.data
