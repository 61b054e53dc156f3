from provisioning.accounts.models import Role
from provisioning.devices.models import Device, PhonebookMode
from provisioning.extensions import db
from tests.factories import headers_for, make_account, make_tenant
from tests.factories_fleet import make_device, make_group


def test_admin_creates_renames_and_deletes_a_group(client):
    h = headers_for(make_account(Role.ADMIN))
    r = client.post("/api/v1/contact-groups", headers=h, json={"name": " Suppliers "})
    assert r.status_code == 201 and r.json["name"] == "Suppliers"
    group_id = r.json["id"]
    r = client.patch(f"/api/v1/contact-groups/{group_id}", headers=h, json={"name": "Vendors"})
    assert r.status_code == 200 and r.json["name"] == "Vendors"
    assert client.delete(f"/api/v1/contact-groups/{group_id}", headers=h).status_code == 204
    assert client.get(f"/api/v1/contact-groups/{group_id}", headers=h).status_code == 404


def test_group_names_are_unique_within_a_tenant_only(client):
    tenant = make_tenant()
    make_group(tenant, name="Customers")
    make_group(name="Partners")  # another tenant's
    h = headers_for(make_account(Role.ADMIN, tenant))
    r = client.post("/api/v1/contact-groups", headers=h, json={"name": "Customers"})
    assert r.status_code == 409 and r.json["error_id"] == "name_taken"
    assert (
        client.post("/api/v1/contact-groups", headers=h, json={"name": "Partners"}).status_code
        == 201
    )


def test_everyone_of_the_tenant_reads_groups_but_only_admins_write(client):
    tenant = make_tenant()
    group = make_group(tenant)
    make_group()
    h = headers_for(make_account(Role.USER, tenant))
    assert [g["id"] for g in client.get("/api/v1/contact-groups", headers=h).json["items"]] == [
        group.id
    ]
    assert client.post("/api/v1/contact-groups", headers=h, json={"name": "X"}).status_code == 403
    assert client.delete(f"/api/v1/contact-groups/{group.id}", headers=h).status_code == 403


def test_another_tenants_group_is_not_found(client):
    group = make_group()
    h = headers_for(make_account(Role.ADMIN))
    assert client.get(f"/api/v1/contact-groups/{group.id}", headers=h).status_code == 404
    assert (
        client.patch(
            f"/api/v1/contact-groups/{group.id}", headers=h, json={"name": "X"}
        ).status_code
        == 404
    )


def test_a_device_limited_to_a_deleted_group_gets_no_phonebook_rather_than_all(client):
    tenant = make_tenant()
    group = make_group(tenant)
    device = make_device(tenant, phonebook_mode=PhonebookMode.GROUP, phonebook_group_id=group.id)
    device_id = device.id
    h = headers_for(make_account(Role.ADMIN, tenant))
    assert client.delete(f"/api/v1/contact-groups/{group.id}", headers=h).status_code == 204
    db.session.expire_all()
    device = db.session.get(Device, device_id)
    assert device.phonebook_mode is PhonebookMode.NONE and device.phonebook_group_id is None
