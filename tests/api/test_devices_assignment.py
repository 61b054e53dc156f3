from sqlalchemy import select

from provisioning.accounts.models import Role
from provisioning.devices.models import FunctionKey, KeyKind
from provisioning.extensions import db
from provisioning.journal.models import JournalEntry
from tests.factories import headers_for, make_account, make_tenant
from tests.factories_fleet import make_device, make_employee, make_group, make_site


def _journal(device_id, action="update"):
    return (
        db.session.execute(
            select(JournalEntry)
            .where(
                JournalEntry.object_type == "devices",
                JournalEntry.object_id == device_id,
                JournalEntry.action == action,
            )
            .order_by(JournalEntry.id)
        )
        .scalars()
        .all()
    )


def test_assigning_a_free_device(client):
    tenant = make_tenant()
    device, anna = make_device(tenant), make_employee(tenant, display_name="Anna")
    r = client.put(
        f"/api/v1/devices/{device.id}/assignment",
        headers=headers_for(make_account(Role.ADMIN, tenant)),
        json={"employee_id": anna.id},
    )
    assert r.status_code == 200, r.json
    assert r.json["device"]["employee_id"] == anna.id
    assert r.json["moved_from_employee_id"] is None
    assert r.headers["ETag"]


def test_assigning_a_held_device_moves_it_and_says_so_in_the_answer_and_the_journal(client):
    tenant = make_tenant()
    bob, anna = (
        make_employee(tenant, display_name="Bob"),
        make_employee(tenant, display_name="Anna"),
    )
    device = make_device(tenant, employee_id=bob.id)
    admin = make_account(Role.ADMIN, tenant)
    r = client.put(
        f"/api/v1/devices/{device.id}/assignment",
        headers=headers_for(admin),
        json={"employee_id": anna.id},
    )
    assert r.status_code == 200, r.json
    assert r.json["moved_from_employee_id"] == bob.id
    assert "Bob" in r.json["message"] and "Anna" in r.json["message"]
    entry = _journal(device.id)[-1]
    assert entry.changes["employee_id"] == [bob.id, anna.id]
    assert entry.actor == admin.username


def test_one_employee_may_hold_several_devices(client):
    tenant = make_tenant()
    anna = make_employee(tenant)
    first = make_device(tenant, employee_id=anna.id)
    second = make_device(tenant)
    r = client.put(
        f"/api/v1/devices/{second.id}/assignment",
        headers=headers_for(make_account(Role.ADMIN, tenant)),
        json={"employee_id": anna.id},
    )
    assert r.status_code == 200 and r.json["moved_from_employee_id"] is None
    db.session.refresh(first)
    assert first.employee_id == anna.id


def test_unassigning_a_device(client):
    tenant = make_tenant()
    anna = make_employee(tenant)
    device = make_device(tenant, employee_id=anna.id)
    r = client.delete(
        f"/api/v1/devices/{device.id}/assignment",
        headers=headers_for(make_account(Role.ADMIN, tenant)),
    )
    assert r.status_code == 200 and r.json["employee_id"] is None
    assert _journal(device.id)[-1].changes["employee_id"] == [anna.id, None]


def test_an_employee_of_another_tenant_is_not_found(client):
    tenant = make_tenant()
    device = make_device(tenant)
    r = client.put(
        f"/api/v1/devices/{device.id}/assignment",
        headers=headers_for(make_account(Role.ADMIN, tenant)),
        json={"employee_id": make_employee().id},
    )
    assert r.status_code == 404 and r.json["message"] == "employee not found"


def test_only_an_operator_moves_a_device_to_another_tenant(client):
    tenant, target = make_tenant(), make_tenant()
    device = make_device(tenant)
    for role in (Role.SUPERADMIN, Role.ADMIN):
        r = client.post(
            f"/api/v1/devices/{device.id}/move",
            headers=headers_for(make_account(role, tenant)),
            json={"tenant_id": target.id},
        )
        assert r.status_code == 403, role


def test_a_moved_device_leaves_employee_site_group_and_keys_behind(client):
    tenant, target = make_tenant(), make_tenant()
    anna, site, group = make_employee(tenant), make_site(tenant), make_group(tenant)
    device = make_device(
        tenant,
        employee_id=anna.id,
        site_id=site.id,
        phonebook_mode="group",
        phonebook_group_id=group.id,
    )
    db.session.add(
        FunctionKey(
            tenant_id=tenant.id,
            device_id=device.id,
            position=1,
            kind=KeyKind.BLF,
            target_employee_id=anna.id,
        )
    )
    db.session.commit()
    operator = make_account(Role.OPERATOR)
    r = client.post(
        f"/api/v1/devices/{device.id}/move",
        headers=headers_for(operator),
        json={"tenant_id": target.id},
    )
    assert r.status_code == 200, r.json
    assert r.json["tenant_id"] == target.id
    assert (r.json["employee_id"], r.json["site_id"], r.json["phonebook_group_id"]) == (
        None,
        None,
        None,
    )
    assert r.json["phonebook_mode"] == "all"
    assert (
        db.session.execute(select(FunctionKey).where(FunctionKey.device_id == device.id)).first()
        is None
    )
    entry = _journal(device.id)[-1]
    assert entry.changes["tenant_id"] == [tenant.id, target.id]
    assert entry.changes["employee_id"] == [anna.id, None]
    assert entry.actor == operator.username and entry.tenant_id == target.id
    left = _journal(device.id, "move_out")[-1]
    assert left.tenant_id == tenant.id and left.changes == {"mac": device.mac}
    # the old tenant no longer sees it, the new one does
    assert (
        client.get(
            f"/api/v1/devices/{device.id}", headers=headers_for(make_account(Role.ADMIN, tenant))
        ).status_code
        == 404
    )
    assert (
        client.get(
            f"/api/v1/devices/{device.id}", headers=headers_for(make_account(Role.ADMIN, target))
        ).status_code
        == 200
    )


def test_moving_to_a_tenant_that_does_not_exist_is_404(client):
    device = make_device()
    r = client.post(
        f"/api/v1/devices/{device.id}/move",
        headers=headers_for(make_account(Role.OPERATOR)),
        json={"tenant_id": 999999},
    )
    assert r.status_code == 404


def test_operator_registers_a_device_for_a_named_tenant(client):
    tenant = make_tenant()
    h = headers_for(make_account(Role.OPERATOR))
    body = {"mac": "000413123456", "vendor": "snom", "model": "D735"}
    assert client.post("/api/v1/devices", headers=h, json=body).status_code == 422
    r = client.post("/api/v1/devices", headers=h, json={**body, "tenant_id": tenant.id})
    assert r.status_code == 201 and r.json["tenant_id"] == tenant.id
