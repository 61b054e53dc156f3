"""Phones that asked with a MAC the tenant does not know: an admin lists them, dismisses one,
or adopts it as a device (vendor and model as the phone said)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from provisioning.accounts.models import Role
from provisioning.common.models import utcnow
from provisioning.extensions import db
from provisioning.journal.models import JournalEntry
from provisioning.phones.models import UnrecognisedDevice
from tests.factories import headers_for, make_account, make_tenant
from tests.factories_fleet import make_device, make_site
from tests.factories_people import make_employee
from tests.factories_provisioning_admin import make_unrecognised


def _store(app):
    return app.extensions["provisioning.render_store"]


def _gone(row_id: int) -> bool:
    db.session.expire_all()
    return db.session.get(UnrecognisedDevice, row_id) is None


def test_admins_list_unrecognised_phones_newest_first(client):
    tenant = make_tenant()
    older = make_unrecognised(tenant, last_seen=utcnow() - dt.timedelta(hours=2))
    newer = make_unrecognised(tenant)
    make_unrecognised(make_tenant())  # another tenant's
    r = client.get("/api/v1/unrecognised-devices",
                   headers=headers_for(make_account(Role.ADMIN, tenant)))
    assert r.status_code == 200, r.json
    assert r.json["total"] == 2
    assert [i["mac"] for i in r.json["items"]] == [newer.mac, older.mac]
    item = r.json["items"][0]
    assert item["vendor"] == "yealink" and item["model"] == "T54W"
    assert item["user_agent"].startswith("Yealink SIP-T54W") and item["addr"] == "192.0.2.10"


def test_the_list_searches_by_mac_in_any_notation_and_pages(client):
    tenant = make_tenant()
    rows = [make_unrecognised(tenant) for _ in range(3)]
    admin = headers_for(make_account(Role.SUPERADMIN, tenant))
    mac = rows[1].mac
    colon = ":".join(mac[i:i + 2] for i in range(0, 12, 2)).upper()
    r = client.get(f"/api/v1/unrecognised-devices?q={colon}", headers=admin)
    assert [i["mac"] for i in r.json["items"]] == [mac]
    r = client.get("/api/v1/unrecognised-devices?per_page=2&page=2", headers=admin)
    assert r.json["total"] == 3 and len(r.json["items"]) == 1


def test_an_operator_may_narrow_the_list_to_one_tenant(client):
    a, b = make_tenant(), make_tenant()
    make_unrecognised(a)
    mine = make_unrecognised(b)
    r = client.get(f"/api/v1/unrecognised-devices?tenant_id={b.id}",
                   headers=headers_for(make_account(Role.OPERATOR)))
    assert [i["id"] for i in r.json["items"]] == [mine.id]


def test_a_user_may_not_see_or_touch_unrecognised_phones(client):
    tenant = make_tenant()
    row = make_unrecognised(tenant)
    user = headers_for(make_account(Role.USER, tenant))
    assert client.get("/api/v1/unrecognised-devices", headers=user).status_code == 403
    assert client.delete(f"/api/v1/unrecognised-devices/{row.id}", headers=user).status_code == 403
    r = client.post(f"/api/v1/unrecognised-devices/{row.id}/adopt", headers=user, json={})
    assert r.status_code == 403
    assert not _gone(row.id)


def test_another_tenants_unrecognised_phone_is_not_found(client):
    row = make_unrecognised(make_tenant())
    admin = headers_for(make_account(Role.ADMIN, make_tenant()))
    assert client.delete(f"/api/v1/unrecognised-devices/{row.id}",
                         headers=admin).status_code == 404
    r = client.post(f"/api/v1/unrecognised-devices/{row.id}/adopt", headers=admin, json={})
    assert r.status_code == 404 and r.json["error_id"] == "not_found"
    assert not _gone(row.id)


def test_dismissing_a_phone_forgets_it_and_is_journaled(client):
    tenant = make_tenant()
    row = make_unrecognised(tenant)
    r = client.delete(f"/api/v1/unrecognised-devices/{row.id}",
                      headers=headers_for(make_account(Role.ADMIN, tenant)))
    assert r.status_code == 204
    assert _gone(row.id)
    (entry,) = db.session.execute(select(JournalEntry).where(
        JournalEntry.action == "dismiss_unrecognised_device",
        JournalEntry.tenant_id == tenant.id)).scalars()
    assert entry.changes == {"mac": row.mac}


def test_adopting_a_phone_registers_it_as_the_phone_described_itself(app, client):
    tenant = make_tenant()
    employee, site = make_employee(tenant), make_site(tenant)
    row = make_unrecognised(tenant, mac="805ec0ad0001", vendor="yealink", model="T46U")
    r = client.post(f"/api/v1/unrecognised-devices/{row.id}/adopt",
                    headers=headers_for(make_account(Role.ADMIN, tenant)),
                    json={"employee_id": employee.id, "site_id": site.id, "label": "Desk 4"})
    assert r.status_code == 201, r.json
    device = r.json
    assert (device["mac"], device["vendor"], device["model"]) == ("805ec0ad0001", "yealink",
                                                                  "T46U")
    assert device["employee_id"] == employee.id and device["site_id"] == site.id
    assert device["tenant_id"] == tenant.id and r.headers["ETag"]
    assert _gone(row.id)
    # Rendered at once: the phone gets its account on its next request.
    stored = _store(app).device("805ec0ad0001")
    assert stored is not None and stored.assigned and stored.device_id == device["id"]


def test_an_admin_may_correct_what_the_phone_said(client):
    tenant = make_tenant()
    row = make_unrecognised(tenant, vendor=None, model=None, user_agent="curl/8.0")
    admin = headers_for(make_account(Role.ADMIN, tenant))
    url = f"/api/v1/unrecognised-devices/{row.id}/adopt"
    r = client.post(url, headers=admin, json={})
    assert r.status_code == 422
    assert {"vendor", "model"} <= set(r.json["details"]["fields"])
    r = client.post(url, headers=admin, json={"vendor": "yealink", "model": "T33G"})
    assert r.status_code == 201, r.json
    assert r.json["model"] == "T33G"


def test_a_phone_reporting_an_odd_model_name_needs_the_admin_to_name_it(client):
    tenant = make_tenant()
    row = make_unrecognised(tenant, vendor="snom", model="<D7xx>")
    admin = headers_for(make_account(Role.ADMIN, tenant))
    url = f"/api/v1/unrecognised-devices/{row.id}/adopt"
    r = client.post(url, headers=admin, json={})
    assert r.status_code == 422 and "model" in r.json["details"]["fields"]
    assert client.post(url, headers=admin, json={"model": "D785"}).status_code == 201


def test_adopting_a_mac_registered_meanwhile_is_409_and_keeps_the_entry(client):
    tenant = make_tenant()
    row = make_unrecognised(tenant, mac="805ec0ad0002")
    make_device(make_tenant(), mac="805ec0ad0002", vendor="yealink", model="T54W")
    r = client.post(f"/api/v1/unrecognised-devices/{row.id}/adopt",
                    headers=headers_for(make_account(Role.ADMIN, tenant)), json={})
    assert r.status_code == 409 and r.json["error_id"] == "mac_taken"
    assert not _gone(row.id)


def test_adopting_for_another_tenants_employee_is_not_found(client):
    tenant = make_tenant()
    row = make_unrecognised(tenant)
    stranger = make_employee(make_tenant())
    r = client.post(f"/api/v1/unrecognised-devices/{row.id}/adopt",
                    headers=headers_for(make_account(Role.ADMIN, tenant)),
                    json={"employee_id": stranger.id})
    assert r.status_code == 404
    assert not _gone(row.id)


def test_an_operator_adopts_into_the_tenant_the_phone_asked(client):
    tenant = make_tenant()
    row = make_unrecognised(tenant)
    r = client.post(f"/api/v1/unrecognised-devices/{row.id}/adopt",
                    headers=headers_for(make_account(Role.OPERATOR)), json={})
    assert r.status_code == 201, r.json
    assert r.json["tenant_id"] == tenant.id
