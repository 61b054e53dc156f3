"""Contacts through the API: who sees which, who may change which, numbers, groups, search."""

from __future__ import annotations

from provisioning.accounts.models import Role
from tests.factories import headers_for, make_account, make_tenant
from tests.factories_contacts import make_contact
from tests.factories_fleet import make_group

API = "/api/v1/contacts"


def _names(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [c["last_name"] for c in response.get_json()["items"]]


def test_an_admin_creates_a_public_contact_with_numbers_and_groups(client):
    tenant = make_tenant()
    admin = make_account(Role.ADMIN, tenant)
    sales = make_group(tenant, name="Sales")
    r = client.post(API, headers=headers_for(admin), json={
        "first_name": "Anna", "last_name": "Müller", "company": "ACME & Co",
        "numbers": [{"kind": "office", "number": "+49 (0)30 1234-567"},
                    {"kind": "mobile", "number": "0171 / 555 66 77"}],
        "group_ids": [sales.id], "favourite": True})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert [n["number"] for n in body["numbers"]] == ["+49301234567", "01715556677"]
    assert body["group_ids"] == [sales.id] and body["private"] is False
    assert r.headers["ETag"]


def test_a_number_that_is_no_number_is_refused_with_its_field(client):
    tenant = make_tenant()
    r = client.post(API, headers=headers_for(make_account(Role.ADMIN, tenant)),
                    json={"last_name": "X", "numbers": [{"number": "call me maybe"}]})
    assert r.status_code == 422
    assert "number" in str(r.get_json()["details"])


def test_a_contact_needs_a_name_or_a_company(client):
    tenant = make_tenant()
    r = client.post(API, headers=headers_for(make_account(Role.ADMIN, tenant)),
                    json={"numbers": [{"number": "+4930123"}]})
    assert r.status_code == 422


def test_a_user_never_sees_another_users_private_contact(client):
    tenant = make_tenant()
    alice, bob = make_account(Role.USER, tenant), make_account(Role.USER, tenant)
    admin = make_account(Role.ADMIN, tenant)
    make_contact(tenant, "Shared")
    mine = make_contact(tenant, "AliceDoc", private=True, owner=alice,
                        numbers=[("mobile", "+4917012345")])
    theirs = make_contact(tenant, "BobDoc", private=True, owner=bob,
                          numbers=[("mobile", "+4917099999")])
    as_alice = headers_for(alice)
    assert sorted(_names(client.get(API, headers=as_alice))) == ["AliceDoc", "Shared"]
    assert _names(client.get(f"{API}?q=BobDoc", headers=as_alice)) == []
    assert _names(client.get(f"{API}?q=4917099999", headers=as_alice)) == []
    assert _names(client.get(f"{API}?private=true", headers=as_alice)) == ["AliceDoc"]
    assert client.get(f"{API}/{theirs.id}", headers=as_alice).status_code == 404
    assert client.patch(f"{API}/{theirs.id}", headers=as_alice,
                        json={"last_name": "Hijacked"}).status_code == 404
    assert client.delete(f"{API}/{theirs.id}", headers=as_alice).status_code == 404
    export = client.get(f"{API}/export", headers=as_alice).get_data(as_text=True)
    assert "AliceDoc" in export and "BobDoc" not in export and "4917099999" not in export
    vcards = client.get(f"{API}/export?format=vcard", headers=as_alice).get_data(as_text=True)
    assert "AliceDoc" in vcards and "BobDoc" not in vcards
    # admins see every contact of the tenant
    assert sorted(_names(client.get(API, headers=headers_for(admin)))) == [
        "AliceDoc", "BobDoc", "Shared"]
    assert client.get(f"{API}/{mine.id}", headers=as_alice).status_code == 200


def test_a_user_keeps_private_contacts_only_and_may_change_their_own(client):
    tenant = make_tenant()
    user = make_account(Role.USER, tenant)
    headers = headers_for(user)
    public = client.post(API, headers=headers, json={"last_name": "Public"})
    assert public.status_code == 403
    assert public.get_json()["error_id"] == "public_contacts_by_admins"
    r = client.post(API, headers=headers, json={"last_name": "Mine", "private": True})
    assert r.status_code == 201 and r.get_json()["owner_account_id"] == user.id
    contact_id = r.get_json()["id"]
    patched = client.patch(f"{API}/{contact_id}", headers=headers,
                           json={"first_name": "Really"})
    assert patched.status_code == 200 and patched.get_json()["first_name"] == "Really"
    assert client.patch(f"{API}/{contact_id}", headers=headers,
                        json={"private": False}).status_code == 403
    shared = make_contact(tenant, "Shared")
    assert client.patch(f"{API}/{shared.id}", headers=headers,
                        json={"last_name": "Changed"}).status_code == 403
    assert client.delete(f"{API}/{contact_id}", headers=headers).status_code == 204


def test_private_contacts_are_in_no_group(client):
    tenant = make_tenant()
    group = make_group(tenant)
    r = client.post(API, headers=headers_for(make_account(Role.ADMIN, tenant)),
                    json={"last_name": "P", "private": True, "group_ids": [group.id]})
    assert r.status_code == 422


def test_groups_list_their_members_and_a_contact_may_be_in_several(client):
    tenant = make_tenant()
    headers = headers_for(make_account(Role.ADMIN, tenant))
    sales, vip = make_group(tenant, name="Sales"), make_group(tenant, name="VIP")
    both = make_contact(tenant, "Both", groups=[sales, vip])
    make_contact(tenant, "OnlySales", groups=[sales])
    make_contact(tenant, "None")
    assert sorted(_names(client.get(f"{API}?group_id={sales.id}", headers=headers))) == [
        "Both", "OnlySales"]
    assert _names(client.get(f"{API}?group_id={vip.id}", headers=headers)) == ["Both"]
    r = client.patch(f"{API}/{both.id}", headers=headers, json={"group_ids": [vip.id]})
    assert r.get_json()["group_ids"] == [vip.id]
    assert _names(client.get(f"{API}?group_id={sales.id}", headers=headers)) == ["OnlySales"]


def test_another_tenants_group_cannot_be_joined(client):
    tenant, other = make_tenant(), make_tenant()
    r = client.post(API, headers=headers_for(make_account(Role.ADMIN, tenant)),
                    json={"last_name": "X", "group_ids": [make_group(other).id]})
    assert r.status_code == 404


def test_a_stale_write_is_refused(client):
    tenant = make_tenant()
    headers = headers_for(make_account(Role.ADMIN, tenant))
    contact = make_contact(tenant, "Old")
    etag = client.get(f"{API}/{contact.id}", headers=headers).headers["ETag"]
    assert client.patch(f"{API}/{contact.id}", headers=headers,
                        json={"last_name": "New"}).status_code == 200
    stale = client.patch(f"{API}/{contact.id}", headers={**headers, "If-Match": etag},
                         json={"last_name": "Newer"})
    assert stale.status_code == 412


def test_replacing_numbers_keeps_their_order(client):
    tenant = make_tenant()
    headers = headers_for(make_account(Role.ADMIN, tenant))
    contact = make_contact(tenant, "N", numbers=[("office", "+49301")])
    r = client.patch(f"{API}/{contact.id}", headers=headers, json={"numbers": [
        {"kind": "home", "number": "+4930200"}, {"kind": "other", "number": "*21#"}]})
    assert [(n["kind"], n["number"]) for n in r.get_json()["numbers"]] == [
        ("home", "+4930200"), ("other", "*21#")]
