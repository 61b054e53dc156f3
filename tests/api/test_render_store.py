"""Every change that affects a device's files renders them once into the render store, in the
same transaction; the store is what phones are served from."""

from __future__ import annotations

from lxml import etree

from provisioning.accounts.models import Role
from provisioning.crypto import secret_box
from provisioning.extensions import db
from provisioning.phones.models import DeviceStatus
from tests.factories import headers_for, make_account, make_tenant
from tests.factories_people import make_employee, make_number


def _store(app):
    return app.extensions["provisioning.render_store"]


def _settings_xml(app, tenant_id: int, mac: str, variant: str = "full") -> bytes:
    stored = _store(app).file(tenant_id, mac, f"{mac.upper()}.xml", variant)
    assert stored is not None, f"no {variant} settings file for {mac}"
    return secret_box().decrypt(stored.body.decode()).encode() if stored.encrypted else stored.body


def _device(client, headers, **body):
    r = client.post("/api/v1/devices", headers=headers, json=body)
    assert r.status_code == 201, r.json
    return r.json


def test_a_new_assigned_device_is_rendered_with_its_employees_account(app, client):
    tenant = make_tenant()
    admin = headers_for(make_account(Role.ADMIN, tenant))
    anna = make_employee(tenant, display_name="Anna <&> Schmidt")
    device = _device(
        client, admin, mac="00:04:13:12:34:56", vendor="snom", model="D785", employee_id=anna.id
    )
    body = _settings_xml(app, tenant.id, device["mac"])
    root = etree.fromstring(body)
    assert root.findtext(".//user_name") == anna.sip_account.username
    assert root.findtext(".//user_pass") == secret_box().decrypt(
        anna.sip_account.password_encrypted
    )
    assert root.findtext(".//user_realname") == "Anna <&> Schmidt"
    public = _settings_xml(app, tenant.id, device["mac"], "public")
    assert anna.sip_account.username.encode() not in public
    status = db.session.get(DeviceStatus, device["id"])
    assert status.rendered_version == _store(app).device(device["mac"]).version


def test_a_colleague_changing_number_makes_the_blf_watcher_stale(app, client):
    tenant = make_tenant()
    admin = headers_for(make_account(Role.ADMIN, tenant))
    anna, ben = make_employee(tenant), make_employee(tenant, display_name="Ben")
    device = _device(
        client, admin, mac="805ec0a1b2c3", vendor="yealink", model="T54W", employee_id=anna.id
    )
    r = client.put(
        f"/api/v1/devices/{device['id']}/keys",
        headers=admin,
        json=[{"position": 1, "kind": "blf", "target_employee_id": ben.id}],
    )
    assert r.status_code == 200, r.json
    before = _store(app).device(device["mac"]).version
    spare = make_number(tenant)
    r = client.put(
        f"/api/v1/employees/{ben.id}/personal-number",
        headers=admin,
        json={"personal_number": spare.e164},
    )
    assert r.status_code == 200, r.json
    r = client.patch(
        f"/api/v1/employees/{ben.id}", headers=admin, json={"display_name": "Benjamin"}
    )
    assert r.status_code == 200, r.json
    after = _store(app).device(device["mac"])
    assert after.version != before
    assert db.session.get(DeviceStatus, device["id"]).rendered_version == after.version
    cfg = secret_box().decrypt(
        _store(app).file(tenant.id, device["mac"], f"{device['mac']}.cfg", "full").body.decode()
    )
    assert "Benjamin" in cfg


def test_a_deleted_device_leaves_the_store(app, client):
    tenant = make_tenant()
    admin = headers_for(make_account(Role.ADMIN, tenant))
    device = _device(client, admin, mac="000413aabb01", vendor="snom", model="D385")
    assert _store(app).device(device["mac"]) is not None
    assert client.delete(f"/api/v1/devices/{device['id']}", headers=admin).status_code == 204
    assert _store(app).device(device["mac"]) is None
    assert _store(app).file(tenant.id, device["mac"], "000413AABB01.xml", "public") is None


def test_an_unassigned_device_gets_no_credential_variant(app, client):
    tenant = make_tenant()
    admin = headers_for(make_account(Role.ADMIN, tenant))
    device = _device(client, admin, mac="000413aabb02", vendor="snom", model="D385")
    assert _store(app).device(device["mac"]).assigned is False
    assert _store(app).file(tenant.id, device["mac"], "000413AABB02.xml", "full") is None


def test_a_change_committed_without_an_earlier_flush_is_rendered_too(app):
    from provisioning.devices.models import Device

    tenant = make_tenant()
    db.session.add(Device(tenant_id=tenant.id, mac="000413aabb03", vendor="snom", model="D385"))
    db.session.commit()
    assert _store(app).device("000413aabb03") is not None
