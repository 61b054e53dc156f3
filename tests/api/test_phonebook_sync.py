"""A phonebook change reaches the phones: re-rendered in the change's transaction, a check-sync
queued for exactly the devices whose phonebook changed; device options through the API."""

from __future__ import annotations

from sqlalchemy import delete, select

from provisioning.accounts.models import Role
from provisioning.devices.models import PhonebookMode
from provisioning.extensions import db
from provisioning.jobs.models import Job
from tests.factories import headers_for, make_account, make_tenant
from tests.factories_contacts import make_contact
from tests.factories_fleet import make_group
from tests.factories_phones import (
    YEALINK_MAC,
    YEALINK_UA,
    make_phone,
    phone_url,
    phone_worker,  # noqa: F401 - autouse fixture
    save,
    via_proxy,
)


def _resync_device_ids() -> set[int]:
    jobs = db.session.execute(select(Job).where(Job.kind == "sip-resync")).scalars()
    return {device_id for job in jobs for device_id in job.payload["device_ids"]}


def test_a_changed_phonebook_queues_a_check_sync_for_the_phones_that_list_it(app, monkeypatch):
    monkeypatch.setattr("provisioning.sipcore.resync.sip_core", lambda *a: object())
    tenant = make_tenant()
    sales = make_group(tenant, name="Sales")
    whole = make_phone(tenant, "yealink")
    grouped = make_phone(tenant, "snom", phonebook_mode=PhonebookMode.GROUP,
                         phonebook_group_id=sales.id)
    db.session.execute(delete(Job).where(Job.kind == "sip-resync"))  # as if all were sent
    save()
    make_contact(tenant, "New Customer")  # public, in no group
    assert _resync_device_ids() == {whole.id}
    make_contact(tenant, "Sales Lead", groups=[sales])
    assert grouped.id in _resync_device_ids()


def test_a_device_gets_its_employees_private_contacts_when_an_admin_says_so(client):
    tenant = make_tenant()
    admin = headers_for(make_account(Role.ADMIN, tenant))
    phone = make_phone(tenant, "yealink")
    owner = make_account(Role.USER, tenant)
    phone.employee.account_id = owner.id
    save()
    make_contact(tenant, "Private Dentist", private=True, owner=owner)
    url = f"{phone_url(tenant)}{YEALINK_MAC}-phonebook.xml"
    assert b"Private Dentist" not in client.get(url, **via_proxy(YEALINK_UA)).data
    r = client.patch(f"/api/v1/devices/{phone.id}", headers=admin,
                     json={"phonebook_private": True})
    assert r.status_code == 200 and r.get_json()["phonebook_private"] is True
    assert b"Private Dentist" in client.get(url, **via_proxy(YEALINK_UA)).data
    info = client.get(f"/api/v1/devices/{phone.id}/phonebook", headers=admin).get_json()
    assert info["private_contacts"] is True


def test_deleting_a_group_leaves_its_contacts_and_their_export_intact(client):
    tenant = make_tenant()
    admin = headers_for(make_account(Role.ADMIN, tenant))
    group = make_group(tenant, name="Gone")
    contact = make_contact(tenant, "Member", groups=[group])
    assert client.delete(f"/api/v1/contact-groups/{group.id}", headers=admin).status_code == 204
    assert client.get(f"/api/v1/contacts/{contact.id}",
                      headers=admin).get_json()["group_ids"] == []
    export = client.get("/api/v1/contacts/export", headers=admin)
    assert export.status_code == 200 and b"Member" in export.data


def test_a_user_sees_the_phonebook_summary_of_their_own_phone_only(client):
    tenant = make_tenant()
    mine = make_phone(tenant, "yealink")
    user = make_account(Role.USER, tenant)
    mine.employee.account_id = user.id
    save()
    other = make_phone(tenant, "snom")
    headers = headers_for(user)
    assert client.get(f"/api/v1/devices/{mine.id}/phonebook", headers=headers).status_code == 200
    assert client.get(f"/api/v1/devices/{other.id}/phonebook",
                      headers=headers).status_code == 404
