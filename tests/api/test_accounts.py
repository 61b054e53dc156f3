from provisioning.accounts.models import Role
from provisioning.journal.recorder import MASK
from tests.factories import STRONG_PASSWORD, headers_for, make_account, make_tenant
from tests.factories_accounts import ANOTHER_STRONG_PASSWORD, bearer, journal, login


def _new(username, role, **extra):
    return {"username": username, "role": role, "password": STRONG_PASSWORD, **extra}


def test_an_admin_creates_a_user_in_its_own_tenant_who_can_then_sign_in(client):
    admin = make_account(Role.ADMIN)
    r = client.post("/api/v1/accounts", headers=headers_for(admin),
                    json=_new("new.user", "user", email="nu@example.test", language="de"))
    assert r.status_code == 201, r.json
    assert r.json["tenant_id"] == admin.tenant_id and r.json["role"] == "user"
    assert r.headers["ETag"]
    assert "password" not in r.json and "password_hash" not in r.json
    assert login(client, "new.user").status_code == 201


def test_nobody_gives_a_role_above_their_own(client):
    admin = make_account(Role.ADMIN)
    r = client.post("/api/v1/accounts", headers=headers_for(admin), json=_new("boss", "superadmin"))
    assert r.status_code == 403 and r.json["error_id"] == "role_too_high"
    superadmin = make_account(Role.SUPERADMIN)
    r = client.post("/api/v1/accounts", headers=headers_for(superadmin),
                    json=_new("new.operator", "operator"))
    assert r.status_code == 403 and r.json["error_id"] == "role_too_high"


def test_a_user_may_not_create_accounts(client):
    user = make_account(Role.USER)
    r = client.post("/api/v1/accounts", headers=headers_for(user), json=_new("friend", "user"))
    assert r.status_code == 403


def test_an_operator_creates_accounts_in_any_tenant_and_other_operators(client):
    operator, tenant = make_account(Role.OPERATOR), make_tenant()
    h = headers_for(operator)
    r = client.post("/api/v1/accounts", headers=h,
                    json=_new("chief", "superadmin", tenant_id=tenant.id))
    assert r.status_code == 201 and r.json["tenant_id"] == tenant.id
    r = client.post("/api/v1/accounts", headers=h, json=_new("lost", "admin"))
    assert r.status_code == 422  # a tenant role needs a tenant
    r = client.post("/api/v1/accounts", headers=h, json=_new("second.operator", "operator"))
    assert r.status_code == 201 and r.json["tenant_id"] is None


def test_a_username_is_taken_regardless_of_case_and_must_be_well_formed(client):
    admin = make_account(Role.ADMIN, username="taken.name")
    h = headers_for(admin)
    r = client.post("/api/v1/accounts", headers=h, json=_new("Taken.Name", "user"))
    assert r.status_code == 409 and r.json["error_id"] == "username_taken"
    for bad in ("ab", "with space", "x" * 151, "semi;colon"):
        r = client.post("/api/v1/accounts", headers=h, json=_new(bad, "user"))
        assert r.status_code == 422 and "username" in r.json["details"]["fields"], bad


def test_a_weak_password_for_a_new_account_is_refused(client):
    admin = make_account(Role.ADMIN)
    r = client.post("/api/v1/accounts", headers=headers_for(admin),
                    json={**_new("weakling", "user"), "password": "password123"})
    assert r.status_code == 422 and r.json["error_id"] == "weak_password"


def test_an_admin_cannot_edit_demote_or_delete_a_superadmin(client):
    tenant = make_tenant()
    admin, chief = make_account(Role.ADMIN, tenant), make_account(Role.SUPERADMIN, tenant)
    h = headers_for(admin)
    assert client.get(f"/api/v1/accounts/{chief.id}", headers=h).status_code == 200
    changes = ({"email": "x@example.test"}, {"role": "user"}, {"password": ANOTHER_STRONG_PASSWORD})
    for change in changes:
        r = client.patch(f"/api/v1/accounts/{chief.id}", headers=h, json=change)
        assert r.status_code == 403 and r.json["error_id"] == "superadmin_protected", change
    r = client.delete(f"/api/v1/accounts/{chief.id}", headers=h)
    assert r.status_code == 403 and r.json["error_id"] == "superadmin_protected"


def test_a_tenants_last_superadmin_stays(client):
    tenant = make_tenant()
    chief = make_account(Role.SUPERADMIN, tenant)
    h = headers_for(chief)
    r = client.patch(f"/api/v1/accounts/{chief.id}", headers=h, json={"role": "admin"})
    assert r.status_code == 409 and r.json["error_id"] == "last_superadmin"
    operator_h = headers_for(make_account(Role.OPERATOR))
    r = client.delete(f"/api/v1/accounts/{chief.id}", headers=operator_h)
    assert r.status_code == 409 and r.json["error_id"] == "last_superadmin"
    deputy = make_account(Role.SUPERADMIN, tenant)
    assert client.delete(f"/api/v1/accounts/{deputy.id}", headers=h).status_code == 204


def test_a_user_sees_and_changes_only_itself(client):
    tenant = make_tenant()
    user, colleague = make_account(Role.USER, tenant), make_account(Role.USER, tenant)
    h = headers_for(user)
    assert client.get(f"/api/v1/accounts/{colleague.id}", headers=h).status_code == 404
    assert client.patch(f"/api/v1/accounts/{colleague.id}", headers=h,
                        json={"language": "fr"}).status_code == 404
    assert [a["id"] for a in client.get("/api/v1/accounts", headers=h).json["items"]] == [user.id]
    r = client.patch(f"/api/v1/accounts/{user.id}", headers=h, json={"language": "fr"})
    assert r.status_code == 200 and r.json["language"] == "fr"
    assert client.delete(f"/api/v1/accounts/{user.id}", headers=h).status_code == 403


def test_a_user_cannot_raise_its_own_role(client):
    user = make_account(Role.USER)
    h = headers_for(user)
    r = client.patch(f"/api/v1/accounts/{user.id}", headers=h, json={"role": "admin"})
    assert r.status_code == 403
    assert client.get("/api/v1/me", headers=h).json["role"] == "user"


def test_an_admin_sets_a_password_under_the_policy_but_not_its_own(client):
    tenant = make_tenant()
    admin, user = make_account(Role.ADMIN, tenant), make_account(Role.USER, tenant)
    h = headers_for(admin)
    r = client.patch(f"/api/v1/accounts/{user.id}", headers=h, json={"password": "qwertyuiop"})
    assert r.status_code == 422 and r.json["error_id"] == "weak_password"
    r = client.patch(f"/api/v1/accounts/{admin.id}", headers=h,
                     json={"password": ANOTHER_STRONG_PASSWORD})
    assert r.status_code == 403 and r.json["error_id"] == "use_password_change"


def test_a_password_change_by_an_admin_signs_the_account_out(client):
    tenant = make_tenant()
    admin, user = make_account(Role.ADMIN, tenant), make_account(Role.USER, tenant)
    user_h = bearer(login(client, user.username).json["token"])
    r = client.patch(f"/api/v1/accounts/{user.id}", headers=headers_for(admin),
                     json={"password": ANOTHER_STRONG_PASSWORD})
    assert r.status_code == 200
    assert client.get("/api/v1/me", headers=user_h).status_code == 401
    assert login(client, user.username, ANOTHER_STRONG_PASSWORD).status_code == 201


def test_a_role_change_signs_the_account_out(client):
    tenant = make_tenant()
    chief, admin = make_account(Role.SUPERADMIN, tenant), make_account(Role.ADMIN, tenant)
    admin_h = headers_for(admin)
    assert client.get("/api/v1/me", headers=admin_h).status_code == 200
    r = client.patch(f"/api/v1/accounts/{admin.id}", headers=headers_for(chief),
                     json={"role": "user"})
    assert r.status_code == 200 and r.json["role"] == "user"
    assert client.get("/api/v1/me", headers=admin_h).status_code == 401


def test_username_and_tenant_cannot_be_changed(client):
    admin = make_account(Role.ADMIN)
    user = make_account(Role.USER, admin.tenant)
    for change in ({"username": "renamed"}, {"tenant_id": make_tenant().id}):
        r = client.patch(f"/api/v1/accounts/{user.id}", headers=headers_for(admin), json=change)
        assert r.status_code == 422


def test_accounts_of_another_tenant_and_operators_do_not_exist_for_a_tenant(client):
    mine, other = make_tenant(), make_tenant()
    admin = make_account(Role.ADMIN, mine)
    stranger, operator = make_account(Role.USER, other), make_account(Role.OPERATOR)
    h = headers_for(admin)
    for account in (stranger, operator):
        assert client.get(f"/api/v1/accounts/{account.id}", headers=h).status_code == 404
        assert client.patch(f"/api/v1/accounts/{account.id}", headers=h,
                            json={"language": "de"}).status_code == 404
        assert client.delete(f"/api/v1/accounts/{account.id}", headers=h).status_code == 404
    listed = client.get("/api/v1/accounts", headers=h).json["items"]
    assert {a["tenant_id"] for a in listed} == {mine.id}


def test_an_operator_lists_every_account_and_may_filter_by_tenant(client):
    one, two = make_tenant(), make_tenant()
    a, b = make_account(Role.ADMIN, one), make_account(Role.USER, two)
    h = headers_for(make_account(Role.OPERATOR))
    ids = {x["id"] for x in client.get("/api/v1/accounts?per_page=500", headers=h).json["items"]}
    assert {a.id, b.id} <= ids
    r = client.get(f"/api/v1/accounts?tenant_id={two.id}", headers=h)
    assert [x["id"] for x in r.json["items"]] == [b.id] and r.json["total"] == 1


def test_a_stale_account_write_is_412(client):
    admin = make_account(Role.ADMIN)
    user = make_account(Role.USER, admin.tenant)
    h = headers_for(admin)
    etag = client.get(f"/api/v1/accounts/{user.id}", headers=h).headers["ETag"]
    assert client.patch(f"/api/v1/accounts/{user.id}", headers={**h, "If-Match": etag},
                        json={"language": "de"}).status_code == 200
    r = client.patch(f"/api/v1/accounts/{user.id}", headers={**h, "If-Match": etag},
                     json={"language": "fr"})
    assert r.status_code == 412


def test_the_journal_masks_the_password_hash(client):
    admin = make_account(Role.ADMIN)
    user = make_account(Role.USER, admin.tenant)
    h = headers_for(admin)
    created = client.post("/api/v1/accounts", headers=h, json=_new("journaled", "user")).json
    client.patch(f"/api/v1/accounts/{user.id}", headers=h,
                 json={"password": ANOTHER_STRONG_PASSWORD})
    create = [e for e in journal("create") if e.object_id == created["id"]]
    update = [e for e in journal("update") if e.object_id == user.id]
    assert MASK == "***"
    assert create[0].changes["password_hash"] == MASK and create[0].actor == admin.username
    assert update[0].changes["password_hash"] == [MASK, MASK]
