"""A device's files as its phone gets them (password masked unless revealed, and revealing is
journaled), its provisioning history, and which phones run a stale configuration."""

from __future__ import annotations

import pytest
from lxml import etree
from sqlalchemy import event, select

from provisioning.accounts.models import Role
from provisioning.common.models import utcnow
from provisioning.crypto import secret_box
from provisioning.extensions import db
from provisioning.journal.models import JournalEntry
from provisioning.phones.models import DeviceStatus
from tests.factories import headers_for, make_account, make_tenant
from tests.factories_fleet import make_device
from tests.factories_people import make_employee
from tests.factories_provisioning_admin import make_fetch, settle


def _store(app):
    return app.extensions["provisioning.render_store"]


def _assigned(tenant, **overrides):
    employee = make_employee(tenant)
    device = make_device(tenant, employee_id=employee.id, **overrides)
    settle()
    return device, secret_box().decrypt(employee.sip_account.password_encrypted)


def _reveals(tenant_id):
    return db.session.execute(select(JournalEntry).where(
        JournalEntry.tenant_id == tenant_id,
        JournalEntry.action == "reveal_device_file")).scalars().all()


def test_the_file_list_names_what_the_phone_gets_and_which_file_carries_credentials(app, client):
    tenant = make_tenant()
    device, _ = _assigned(tenant, mac="000413ab0001", model="D785")
    r = client.get(f"/api/v1/devices/{device.id}/files",
                   headers=headers_for(make_account(Role.ADMIN, tenant)))
    assert r.status_code == 200, r.json
    files = {f["filename"]: f for f in r.json}
    # No firmware URL: the firmware file is not served, so not listed.
    assert set(files) == {"snomD785.htm", "snomD785.xml", "snomD785-000413AB0001.htm",
                          "000413AB0001.xml"}
    assert [n for n, f in files.items() if f["credentials"]] == ["000413AB0001.xml"]
    stored = _store(app).file(tenant.id, device.mac, "000413AB0001.xml", "full")
    assert files["000413AB0001.xml"]["etag"] == stored.etag
    assert files["000413AB0001.xml"]["version"] == _store(app).device(device.mac).version
    assert files["000413AB0001.xml"]["content_type"].startswith("application/xml")


def test_the_preview_masks_the_sip_password_and_reveal_shows_it_and_is_journaled(app, client):
    tenant = make_tenant()
    device, password = _assigned(tenant, mac="000413ab0002")
    admin = headers_for(make_account(Role.ADMIN, tenant))
    url = f"/api/v1/devices/{device.id}/files/000413AB0002.xml"

    r = client.get(url, headers=admin)
    assert r.status_code == 200
    assert r.headers["X-Credentials"] == "masked"
    assert r.headers["Cache-Control"] == "no-store"
    assert password not in r.get_data(as_text=True)
    assert etree.fromstring(r.data).findtext(".//user_pass") == "********"
    assert _reveals(tenant.id) == []

    r = client.get(url + "?reveal=true", headers=admin)
    assert r.status_code == 200 and r.headers["X-Credentials"] == "revealed"
    assert etree.fromstring(r.data).findtext(".//user_pass") == password
    (entry,) = _reveals(tenant.id)
    assert entry.object_id == device.id and entry.changes["filename"] == "000413AB0002.xml"
    assert password not in str(entry.changes)


def test_a_yealink_preview_masks_the_password_in_the_cfg(client):
    tenant = make_tenant()
    device, password = _assigned(tenant, mac="805ec0ab0003", vendor="yealink", model="T54W")
    r = client.get(f"/api/v1/devices/{device.id}/files/805ec0ab0003.cfg",
                   headers=headers_for(make_account(Role.OPERATOR)))
    assert r.status_code == 200 and r.content_type.startswith("text/plain")
    text = r.get_data(as_text=True)
    assert text.startswith("#!version:1.0.0.1")
    assert password not in text and "= ********" in text


def test_a_credential_free_file_is_shown_as_it_is(client):
    tenant = make_tenant()
    device, password = _assigned(tenant, mac="000413ab0004")
    r = client.get(f"/api/v1/devices/{device.id}/files/snomD785.xml?reveal=true",
                   headers=headers_for(make_account(Role.ADMIN, tenant)))
    assert r.status_code == 200 and r.headers["X-Credentials"] == "none"
    assert password not in r.get_data(as_text=True)
    assert _reveals(tenant.id) == []


def test_a_device_missing_from_the_store_is_rendered_for_the_preview(app, client):
    tenant = make_tenant()
    device, password = _assigned(tenant, mac="000413ab0005")
    admin = headers_for(make_account(Role.ADMIN, tenant))
    url = f"/api/v1/devices/{device.id}/files/000413AB0005.xml?reveal=true"
    stored = client.get(url, headers=admin).data
    _store(app).remove_device(device.mac)
    r = client.get(url, headers=admin)
    assert r.status_code == 200 and r.data == stored
    assert etree.fromstring(r.data).findtext(".//user_pass") == password
    listed = client.get(f"/api/v1/devices/{device.id}/files", headers=admin).json
    assert "000413AB0005.xml" in {f["filename"] for f in listed}
    assert _store(app).device(device.mac) is None  # a preview does not write the store


@pytest.mark.parametrize("name", ["nothere.xml", "../../etc/passwd", "%2e%2e/instance/keys",
                                  "000413AB0099.xml", "y000000000000.boot"])
def test_a_file_the_device_does_not_get_is_404(client, name):
    tenant = make_tenant()
    device, _ = _assigned(tenant, mac="000413ab0006")
    r = client.get(f"/api/v1/devices/{device.id}/files/{name}",
                   headers=headers_for(make_account(Role.ADMIN, tenant)))
    assert r.status_code == 404 and r.json["error_id"] == "not_found"


def test_a_user_may_not_preview_even_their_own_phone(client):
    tenant = make_tenant()
    account = make_account(Role.USER, tenant)
    employee = make_employee(tenant, account_id=account.id)
    own = make_device(tenant, employee_id=employee.id)
    foreign = make_device(tenant)
    user = headers_for(account)
    for path in ("files", f"files/{own.mac.upper()}.xml?reveal=true", "history"):
        assert client.get(f"/api/v1/devices/{own.id}/{path}", headers=user).status_code == 403
        assert client.get(f"/api/v1/devices/{foreign.id}/{path}",
                          headers=user).status_code == 404
    assert _reveals(tenant.id) == []


def test_the_history_lists_fetches_newest_first_and_marks_the_current_version(client):
    tenant = make_tenant()
    device, _ = _assigned(tenant)
    current = db.session.get(DeviceStatus, device.id).rendered_version
    make_fetch(device, minutes_ago=30, version="v-old", addr="192.0.2.1")
    make_fetch(device, minutes_ago=20, version=current, filename="snomD785.htm",
               credentials=False)
    make_fetch(device, minutes_ago=10, version=current, protocol="tftp", status=403,
               credentials=False)
    make_fetch(make_device(tenant), minutes_ago=1)  # another device's
    admin = headers_for(make_account(Role.ADMIN, tenant))
    r = client.get(f"/api/v1/devices/{device.id}/history?per_page=2", headers=admin)
    assert r.status_code == 200, r.json
    assert r.json["total"] == 3
    first, second = r.json["items"]
    assert first["protocol"] == "tftp" and first["status"] == 403 and first["current"] is True
    assert second["filename"] == "snomD785.htm"
    (oldest,) = client.get(f"/api/v1/devices/{device.id}/history?page=2&per_page=2",
                           headers=admin).json["items"]
    assert oldest == {**oldest, "version": "v-old", "current": False, "addr": "192.0.2.1",
                      "credentials": True, "status": 200, "protocol": "https"}


def _fetched(device, version):
    status = db.session.get(DeviceStatus, device.id)
    status.fetched_version, status.fetched_at = version, utcnow()
    status.last_seen_at, status.last_seen_addr = utcnow(), "192.0.2.30"
    db.session.commit()
    return status


def _listed(client, headers, query):
    r = client.get(f"/api/v1/devices?{query}", headers=headers)
    assert r.status_code == 200, r.json
    return {d["mac"] for d in r.json["items"]}


def test_the_stale_filter_lists_phones_running_another_version_than_rendered(client):
    tenant = make_tenant()
    admin = headers_for(make_account(Role.ADMIN, tenant))
    current, stale, never = (make_device(tenant) for _ in range(3))
    settle()
    _fetched(current, db.session.get(DeviceStatus, current.id).rendered_version)
    _fetched(stale, "an-older-version")
    assert _listed(client, admin, "stale=true") == {stale.mac}
    assert _listed(client, admin, "stale=true&include_never_fetched=true") == {stale.mac,
                                                                                never.mac}
    assert _listed(client, admin, "stale=false") == {current.mac}

    # The phone fetches the current version: no longer stale.
    _fetched(stale, db.session.get(DeviceStatus, stale.id).rendered_version)
    assert _listed(client, admin, "stale=true") == set()
    # A label is not in the phone's files: nothing goes stale.
    r = client.patch(f"/api/v1/devices/{current.id}", headers=admin, json={"label": "Reception"})
    assert r.status_code == 200, r.json
    assert _listed(client, admin, "stale=true") == set()
    # A firmware URL is: the phone that had the current version runs a stale one now.
    r = client.patch(f"/api/v1/devices/{current.id}", headers=admin,
                     json={"firmware_url": "https://firmware.example.net/D785.bin"})
    assert r.status_code == 200, r.json
    assert _listed(client, admin, "stale=true") == {current.mac}


def test_the_device_shows_its_provisioning_state(client):
    tenant = make_tenant()
    device = make_device(tenant)
    settle()
    _fetched(device, "an-older-version")
    status = db.session.get(DeviceStatus, device.id)
    status.last_firmware, status.last_user_agent = "10.1.175.5", "Mozilla/4.0 (compatible; snom"
    db.session.commit()
    r = client.get(f"/api/v1/devices/{device.id}",
                   headers=headers_for(make_account(Role.ADMIN, tenant)))
    state = r.json["provisioning"]
    assert state["stale"] is True and state["fetched_version"] == "an-older-version"
    assert state["rendered_version"] == status.rendered_version
    assert state["last_seen_addr"] == "192.0.2.30" and state["last_firmware"] == "10.1.175.5"
    assert state["fetched_at"] and state["last_seen_at"]


def test_the_device_list_reads_provisioning_state_in_one_query_per_page(app, client):
    tenant = make_tenant()
    admin = headers_for(make_account(Role.ADMIN, tenant))

    def statements_for_listing() -> int:
        seen = []
        engine = db.session.get_bind()
        listener = lambda *args: seen.append(args[2])  # noqa: E731 - a one-line counter
        event.listen(engine, "before_cursor_execute", listener)
        try:
            r = client.get("/api/v1/devices?per_page=100", headers=admin)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert r.status_code == 200 and all("provisioning" in d for d in r.json["items"])
        return len([s for s in seen if "from device_status" in s.lower()])

    for _ in range(2):
        make_device(tenant)
    settle()
    few = statements_for_listing()
    for _ in range(5):
        make_device(tenant)
    settle()
    assert statements_for_listing() == few == 1
