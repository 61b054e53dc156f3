"""The tenant's phone URL: what an admin puts in DHCP and in the phones, rotating its secret with
a grace period (never journaled or logged), and the mutual-TLS and firmware switches."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from sqlalchemy import select

from provisioning.accounts.models import Role
from provisioning.common.models import utcnow
from provisioning.crypto import secret_box
from provisioning.extensions import db
from provisioning.journal.models import JournalEntry
from tests.factories import headers_for, make_account, make_tenant
from tests.factories_fleet import make_device


def _store(app):
    return app.extensions["provisioning.render_store"]


def _provisioning(client, tenant, headers):
    r = client.get(f"/api/v1/tenants/{tenant.id}/provisioning", headers=headers)
    assert r.status_code == 200, r.json
    return r.json


def test_an_admin_is_told_the_phone_url_for_dhcp_and_for_each_vendors_setting(app, client):
    tenant = make_tenant()
    info = _provisioning(client, tenant, headers_for(make_account(Role.ADMIN, tenant)))
    secret = secret_box().url_secret(tenant.id, 1)
    assert info["url"] == f"{app.config['PUBLIC_BASE_URL']}/p/{secret}/"
    assert info["dhcp_option_66"] == info["url"]
    assert info["phone_settings"] == {
        "snom": {"setting_server": info["url"]},
        "yealink": {"static.auto_provision.server.url": info["url"]},
    }
    assert info["previous_url_valid_until"] is None
    assert info["require_mtls"] is False
    assert _store(app).tenants()[tenant.id]["provisioning_url"] == info["url"]


def test_the_phone_url_uses_the_configured_phone_base_url(app, client):
    tenant = make_tenant()
    app.config["PHONE_BASE_URL"] = "https://phones.example.net/"
    try:
        info = _provisioning(client, tenant, headers_for(make_account(Role.SUPERADMIN, tenant)))
    finally:
        app.config["PHONE_BASE_URL"] = None
    assert info["url"].startswith("https://phones.example.net/p/")


def test_a_user_may_not_see_the_phone_url_and_another_tenants_is_not_found(client):
    tenant = make_tenant()
    user = headers_for(make_account(Role.USER, tenant))
    assert client.get(f"/api/v1/tenants/{tenant.id}/provisioning",
                      headers=user).status_code == 403
    other = make_tenant()
    admin = headers_for(make_account(Role.ADMIN, tenant))
    for url in (f"/api/v1/tenants/{other.id}/provisioning",):
        assert client.get(url, headers=admin).status_code == 404
    r = client.post(f"/api/v1/tenants/{other.id}/provisioning/rotate-secret", headers=admin,
                    json={})
    assert r.status_code == 404
    assert client.post(f"/api/v1/tenants/{tenant.id}/provisioning/rotate-secret", headers=user,
                       json={}).status_code == 403


def test_rotating_the_secret_keeps_the_old_url_valid_for_the_grace_period(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    tenant = make_tenant()
    device = make_device(tenant, mac="000413c0ffee")
    admin = headers_for(make_account(Role.ADMIN, tenant))
    old = _provisioning(client, tenant, admin)
    old_secret = secret_box().url_secret(tenant.id, 1)

    r = client.post(f"/api/v1/tenants/{tenant.id}/provisioning/rotate-secret", headers=admin,
                    json={"grace_hours": 24})
    assert r.status_code == 200, r.json
    new = r.json
    new_secret = secret_box().url_secret(tenant.id, 2)
    assert new["url"] != old["url"] and new_secret in new["url"]
    until = dt.datetime.fromisoformat(new["previous_url_valid_until"])
    assert abs(until - (utcnow() + dt.timedelta(hours=24))) < dt.timedelta(minutes=1)

    # The phone side reads the store: the new secret, and the old one until the grace ends.
    record = _store(app).tenants()[tenant.id]
    assert record["secret"] == new_secret
    assert record["previous"]["secret"] == old_secret
    assert dt.datetime.fromisoformat(record["previous"]["valid_until"]) == until
    # Every device file names the new URL, so the phones move over by themselves.
    settings = _store(app).file(tenant.id, device.mac, f"{device.mac.upper()}.xml", "public")
    assert new["url"].encode() in settings.body and old["url"].encode() not in settings.body

    # The journal records generation numbers, never a secret; no log line carries one.
    rows = db.session.execute(
        select(JournalEntry).where(JournalEntry.tenant_id == tenant.id)).scalars().all()
    rotation = [e for e in rows if "url_secret_generation" in e.changes]
    assert rotation and rotation[-1].changes["url_secret_generation"] == [1, 2]
    journal_text = json.dumps([e.changes for e in rows])
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    for secret in (old_secret, new_secret):
        assert secret not in journal_text
        assert secret not in logged


def test_rotating_without_grace_ends_the_old_url_at_once(app, client):
    tenant = make_tenant()
    admin = headers_for(make_account(Role.SUPERADMIN, tenant))
    r = client.post(f"/api/v1/tenants/{tenant.id}/provisioning/rotate-secret", headers=admin,
                    json={"grace_hours": 0})
    assert r.status_code == 200, r.json
    assert r.json["previous_url_valid_until"] is None
    assert _store(app).tenants()[tenant.id]["previous"] is None


@pytest.mark.parametrize("grace", [-1, 721, "soon"])
def test_a_grace_period_outside_0_to_720_hours_is_refused(client, grace):
    tenant = make_tenant()
    r = client.post(f"/api/v1/tenants/{tenant.id}/provisioning/rotate-secret",
                    headers=headers_for(make_account(Role.ADMIN, tenant)),
                    json={"grace_hours": grace})
    assert r.status_code == 422 and "grace_hours" in r.json["details"]["fields"]


def test_rotating_with_a_stale_if_match_is_412(client):
    tenant = make_tenant()
    admin = headers_for(make_account(Role.ADMIN, tenant))
    etag = client.get(f"/api/v1/tenants/{tenant.id}/provisioning", headers=admin).headers["ETag"]
    url = f"/api/v1/tenants/{tenant.id}/provisioning/rotate-secret"
    assert client.post(url, headers={**admin, "If-Match": etag}, json={}).status_code == 200
    assert client.post(url, headers={**admin, "If-Match": etag}, json={}).status_code == 412


def test_a_tenant_admin_may_require_mutual_tls_but_a_user_may_not(app, client):
    tenant = make_tenant()
    admin = headers_for(make_account(Role.ADMIN, tenant))
    r = client.patch(f"/api/v1/tenants/{tenant.id}", headers=admin, json={"require_mtls": True})
    assert r.status_code == 200, r.json
    assert r.json["require_mtls"] is True
    assert _provisioning(client, tenant, admin)["require_mtls"] is True
    assert _store(app).tenants()[tenant.id]["require_mtls"] is True
    user = headers_for(make_account(Role.USER, tenant))
    r = client.patch(f"/api/v1/tenants/{tenant.id}", headers=user, json={"require_mtls": False})
    assert r.status_code == 403


def test_a_device_takes_a_mutual_tls_switch_and_an_https_firmware_url(app, client):
    tenant = make_tenant()
    admin = headers_for(make_account(Role.ADMIN, tenant))
    r = client.post("/api/v1/devices", headers=admin, json={
        "mac": "000413aa0001", "vendor": "snom", "model": "D785", "require_mtls": True,
        "firmware_url": "https://firmware.example.net/snom/D785-10.1.175.5.bin"})
    assert r.status_code == 201, r.json
    assert r.json["require_mtls"] is True
    assert r.json["firmware_url"].startswith("https://firmware.example.net/")
    assert _store(app).device("000413aa0001").require_mtls is True
    firmware = _store(app).file(tenant.id, "000413aa0001", "snomD785-firmware.xml", "public")
    assert firmware is not None and b"firmware.example.net" in firmware.body
    r = client.patch(f"/api/v1/devices/{r.json['id']}", headers=admin,
                     json={"firmware_url": None, "require_mtls": False})
    assert r.status_code == 200, r.json
    assert r.json["firmware_url"] is None and r.json["require_mtls"] is False


@pytest.mark.parametrize("url", ["http://firmware.example.net/x.bin", "ftp://h/x", "not a url",
                                 "https://h/\nx"])
def test_a_firmware_url_must_be_https(client, url):
    r = client.post("/api/v1/devices", headers=headers_for(make_account(Role.ADMIN)), json={
        "mac": "000413aa0002", "vendor": "snom", "model": "D785", "firmware_url": url})
    assert r.status_code == 422 and "firmware_url" in r.json["details"]["fields"]
