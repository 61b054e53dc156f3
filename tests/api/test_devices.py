import pytest
from sqlalchemy import select

from provisioning.accounts.models import Role
from provisioning.devices.models import Device
from provisioning.extensions import db
from provisioning.journal.models import JournalEntry
from tests.factories import headers_for, make_account, make_tenant
from tests.factories_fleet import make_device, make_employee, make_group, make_site


def _new(**overrides):
    body = {"mac": "00:04:13:AA:BB:CC", "vendor": "snom", "model": "D785"}
    body.update(overrides)
    return body


@pytest.mark.parametrize("notation", ["00:04:13:AA:BB:CC", "00-04-13-aa-bb-cc", "0004.13aa.bbcc"])
def test_a_mac_in_any_common_notation_is_stored_as_twelve_hex_digits(client, notation):
    r = client.post(
        "/api/v1/devices", headers=headers_for(make_account(Role.ADMIN)), json=_new(mac=notation)
    )
    assert r.status_code == 201, r.json
    assert r.json["mac"] == "000413aabbcc"
    assert r.headers["ETag"]


@pytest.mark.parametrize(
    "bad", ["00:04:13:AA:BB", "00:04:13:AA:BB:CG", "not a mac", "ff:ff:ff:ff:ff:ff"]
)
def test_a_malformed_mac_is_422_and_nothing_is_stored(client, bad):
    r = client.post(
        "/api/v1/devices", headers=headers_for(make_account(Role.ADMIN)), json=_new(mac=bad)
    )
    assert r.status_code == 422 and "mac" in r.json["details"]["fields"]
    assert db.session.execute(select(Device)).first() is None


def test_vendor_and_model_are_checked(client):
    h = headers_for(make_account(Role.ADMIN))
    r = client.post("/api/v1/devices", headers=h, json=_new(vendor="cisco"))
    assert r.status_code == 422 and "vendor" in r.json["details"]["fields"]
    r = client.post("/api/v1/devices", headers=h, json=_new(model="<script>"))
    assert r.status_code == 422 and "model" in r.json["details"]["fields"]
    assert (
        client.post(
            "/api/v1/devices", headers=h, json=_new(vendor="yealink", model="T54W")
        ).status_code
        == 201
    )


def test_a_taken_mac_gets_the_same_answer_in_the_own_and_in_another_tenant(client):
    tenant, other = make_tenant(), make_tenant(name="Hidden Other AG")
    make_device(tenant, mac="000413000001")
    make_device(other, mac="000413000002")
    h = headers_for(make_account(Role.ADMIN, tenant))
    own = client.post("/api/v1/devices", headers=h, json=_new(mac="00:04:13:00:00:01"))
    foreign = client.post("/api/v1/devices", headers=h, json=_new(mac="00:04:13:00:00:02"))
    assert own.status_code == foreign.status_code == 409
    assert own.json["error_id"] == foreign.json["error_id"] == "mac_taken"
    assert own.json["message"] == foreign.json["message"]
    assert "Hidden" not in foreign.get_data(as_text=True)


def test_changing_a_mac_onto_a_taken_one_is_409(client):
    tenant = make_tenant()
    device = make_device(tenant)
    make_device(mac="000413000099")
    r = client.patch(
        f"/api/v1/devices/{device.id}",
        headers=headers_for(make_account(Role.ADMIN, tenant)),
        json={"mac": "000413000099"},
    )
    assert r.status_code == 409 and r.json["error_id"] == "mac_taken"


def test_site_employee_and_group_must_be_of_the_same_tenant(client):
    h = headers_for(make_account(Role.ADMIN))
    r = client.post("/api/v1/devices", headers=h, json=_new(site_id=make_site().id))
    assert r.status_code == 404 and r.json["message"] == "site not found"
    r = client.post("/api/v1/devices", headers=h, json=_new(employee_id=make_employee().id))
    assert r.status_code == 404 and r.json["message"] == "employee not found"
    r = client.post(
        "/api/v1/devices",
        headers=h,
        json=_new(phonebook_mode="group", phonebook_group_id=make_group().id),
    )
    assert r.status_code == 404 and r.json["message"] == "contact group not found"


def test_a_phonebook_group_is_given_exactly_when_the_mode_is_group(client):
    tenant = make_tenant()
    group = make_group(tenant)
    h = headers_for(make_account(Role.ADMIN, tenant))
    assert (
        client.post("/api/v1/devices", headers=h, json=_new(phonebook_mode="group")).status_code
        == 422
    )
    r = client.post(
        "/api/v1/devices", headers=h, json=_new(phonebook_mode="none", phonebook_group_id=group.id)
    )
    assert r.status_code == 422
    r = client.post(
        "/api/v1/devices", headers=h, json=_new(phonebook_mode="group", phonebook_group_id=group.id)
    )
    assert r.status_code == 201 and r.json["phonebook_group_id"] == group.id
    r = client.patch(f"/api/v1/devices/{r.json['id']}", headers=h, json={"phonebook_mode": "all"})
    assert r.status_code == 200 and r.json["phonebook_group_id"] is None


def test_list_filters_by_text_vendor_site_and_assignment(client):
    tenant = make_tenant()
    site = make_site(tenant)
    anna = make_employee(tenant)
    hall = make_device(tenant, mac="000413a1b2c3", label="Reception", site_id=site.id)
    desk = make_device(tenant, vendor="yealink", model="T54W", employee_id=anna.id)
    make_device(label="Reception")  # another tenant's
    h = headers_for(make_account(Role.ADMIN, tenant))

    def ids(query):
        r = client.get(f"/api/v1/devices?{query}", headers=h)
        assert r.status_code == 200, r.json
        return [d["id"] for d in r.json["items"]]

    assert ids("") == [hall.id, desk.id]
    assert ids("q=recep") == [hall.id]
    assert ids("q=A1:B2") == [hall.id]
    assert ids("vendor=yealink") == [desk.id]
    assert ids(f"site_id={site.id}") == [hall.id]
    assert ids(f"employee_id={anna.id}") == [desk.id]
    assert ids("assigned=true") == [desk.id]
    assert ids("assigned=false") == [hall.id]
    assert client.get("/api/v1/devices?per_page=1", headers=h).json["total"] == 2


def test_a_user_sees_only_the_devices_of_their_own_employee_and_writes_nothing(client):
    tenant = make_tenant()
    account = make_account(Role.USER, tenant)
    me, colleague = make_employee(tenant, account_id=account.id), make_employee(tenant)
    mine = make_device(tenant, employee_id=me.id)
    theirs = make_device(tenant, employee_id=colleague.id)
    spare = make_device(tenant)
    h = headers_for(account)
    assert [d["id"] for d in client.get("/api/v1/devices", headers=h).json["items"]] == [mine.id]
    assert client.get(f"/api/v1/devices/{mine.id}", headers=h).status_code == 200
    assert client.get(f"/api/v1/devices/{mine.id}/keys", headers=h).status_code == 200
    for other in (theirs, spare):
        assert client.get(f"/api/v1/devices/{other.id}", headers=h).status_code == 404
        assert (
            client.patch(f"/api/v1/devices/{other.id}", headers=h, json={"label": "x"}).status_code
            == 404
        )
    assert (
        client.patch(f"/api/v1/devices/{mine.id}", headers=h, json={"label": "x"}).status_code
        == 403
    )
    assert client.post("/api/v1/devices", headers=h, json=_new()).status_code == 403


def test_stale_device_write_is_412(client):
    tenant = make_tenant()
    device = make_device(tenant)
    h = headers_for(make_account(Role.ADMIN, tenant))
    etag = client.get(f"/api/v1/devices/{device.id}", headers=h).headers["ETag"]
    assert (
        client.patch(
            f"/api/v1/devices/{device.id}", headers={**h, "If-Match": etag}, json={"label": "One"}
        ).status_code
        == 200
    )
    r = client.patch(
        f"/api/v1/devices/{device.id}", headers={**h, "If-Match": etag}, json={"label": "Two"}
    )
    assert r.status_code == 412 and r.json["error_id"] == "precondition_failed"
    r = client.put(
        f"/api/v1/devices/{device.id}/assignment",
        headers={**h, "If-Match": etag},
        json={"employee_id": make_employee(tenant).id},
    )
    assert r.status_code == 412


def test_deleting_a_device(client):
    tenant = make_tenant()
    device = make_device(tenant)
    h = headers_for(make_account(Role.ADMIN, tenant))
    assert client.delete(f"/api/v1/devices/{device.id}", headers=h).status_code == 204
    assert client.get(f"/api/v1/devices/{device.id}", headers=h).status_code == 404
    entry = db.session.execute(
        select(JournalEntry).where(
            JournalEntry.object_type == "devices", JournalEntry.action == "delete"
        )
    ).scalar_one()
    assert entry.changes["mac"] == device.mac
