from provisioning.accounts.models import Role
from provisioning.extensions import db
from provisioning.journal.models import JournalEntry
from tests.factories import headers_for, make_account, make_tenant


def test_operator_creates_a_tenant_and_the_journal_says_who(client):
    operator = make_account(Role.OPERATOR)
    r = client.post(
        "/api/v1/tenants",
        headers=headers_for(operator),
        json={"name": "ACME GmbH", "customer_number": "K-1", "sip_domain": "acme.sip.test"},
    )
    assert r.status_code == 201, r.json
    assert r.headers["ETag"]
    entry = (
        db.session.query(JournalEntry)
        .filter_by(object_type="tenants", object_id=r.json["id"])
        .one()
    )
    assert entry.actor == operator.username and entry.action == "create" and entry.via == "api"


def test_admin_cannot_change_contract_data_but_may_raise_the_password_policy(client):
    tenant = make_tenant()
    admin = make_account(Role.ADMIN, tenant)
    h = headers_for(admin)
    r = client.patch(f"/api/v1/tenants/{tenant.id}", headers=h, json={"name": "Renamed"})
    assert r.status_code == 403 and r.json["error_id"] == "operator_only"
    r = client.patch(f"/api/v1/tenants/{tenant.id}", headers=h, json={"min_password_strength": 3})
    assert r.status_code == 200 and r.json["min_password_strength"] == 3
    r = client.patch(f"/api/v1/tenants/{tenant.id}", headers=h, json={"min_password_strength": 1})
    assert r.status_code == 422


def test_unknown_field_is_refused_with_the_error_shape(client):
    operator = make_account(Role.OPERATOR)
    r = client.post(
        "/api/v1/tenants",
        headers=headers_for(operator),
        json={"name": "X", "customer_number": "K-2", "sip_domain": "x.test", "bogus": 1},
    )
    assert r.status_code == 422
    assert set(r.json) == {"error_id", "message", "details"}
    assert "bogus" in r.json["details"]["fields"]


def test_stale_write_is_412(client):
    operator = make_account(Role.OPERATOR)
    tenant = make_tenant()
    h = headers_for(operator)
    etag = client.get(f"/api/v1/tenants/{tenant.id}", headers=h).headers["ETag"]
    assert (
        client.patch(
            f"/api/v1/tenants/{tenant.id}", headers={**h, "If-Match": etag}, json={"name": "One"}
        ).status_code
        == 200
    )
    r = client.patch(
        f"/api/v1/tenants/{tenant.id}", headers={**h, "If-Match": etag}, json={"name": "Two"}
    )
    assert r.status_code == 412 and r.json["error_id"] == "precondition_failed"


def test_another_tenant_is_not_found(client):
    mine, other = make_tenant(), make_tenant()
    admin = make_account(Role.ADMIN, mine)
    h = headers_for(admin)
    assert client.get(f"/api/v1/tenants/{other.id}", headers=h).status_code == 404
    assert (
        client.patch(
            f"/api/v1/tenants/{other.id}", headers=h, json={"min_password_strength": 3}
        ).status_code
        == 404
    )
    assert client.delete(f"/api/v1/tenants/{other.id}", headers=h).status_code == 404
    ids = [t["id"] for t in client.get("/api/v1/tenants", headers=h).json["items"]]
    assert ids == [mine.id]


def test_no_token_is_401(client):
    r = client.get("/api/v1/tenants")
    assert r.status_code == 401 and r.json["error_id"] == "unauthenticated"
