"""An employee's own corner, the operator's tenants, and tenant isolation on every portal page
with an object id (walked from the URL map, like the API's test)."""

from __future__ import annotations

import io

from sqlalchemy import select

from provisioning.accounts.models import Account, Role
from provisioning.devices.models import FunctionKey, KeyKind
from provisioning.extensions import db
from provisioning.tenants.models import Tenant
from tests.factories import STRONG_PASSWORD, make_account, make_tenant
from tests.factories_fleet import make_device
from tests.factories_people import make_employee, make_number
from tests.factories_provisioning_admin import make_unrecognised
from tests.portal.helpers import post, sign_in, text


def test_a_user_sees_only_their_own_phones_with_state_and_key_labels(client):
    tenant = make_tenant()
    user = make_account(Role.USER, tenant)
    me = make_employee(tenant, display_name="Me", account_id=user.id)
    colleague = make_employee(tenant, display_name="Colleague")
    mine = make_device(tenant, label="my desk", employee_id=me.id)
    make_device(tenant, label="their desk", employee_id=colleague.id)
    db.session.add(FunctionKey(tenant_id=tenant.id, device_id=mine.id, position=1,
                               kind=KeyKind.SPEED_DIAL, target_number="+4930111222",
                               label="Pizza"))
    db.session.commit()
    sign_in(client, user)
    page = text(client.get("/portal/my/devices"))
    assert "my desk" in page and "their desk" not in page
    assert "Pizza" in page and "+4930111222" in page
    assert 'data-state="unknown"' in page, "no SIP core answers in these tests"
    assert client.get(f"/portal/devices/{mine.id}").status_code == 403


def test_a_user_changes_language_and_email_but_nothing_else(client):
    user = make_account(Role.USER)
    sign_in(client, user)
    r = post(client, "/portal/me", {"language": "de", "email": "me@example.net"})
    assert r.status_code == 302
    db.session.expire_all()
    assert (user.language, user.email) == ("de", "me@example.net")
    assert "Meine Telefone" in text(client.get("/portal/my/devices"))
    r = post(client, "/portal/me", {"language": "not a language"})
    assert r.status_code == 422


def test_an_operator_creates_a_tenant_and_its_first_superadmin(client):
    operator = make_account(Role.OPERATOR)
    sign_in(client, operator)
    assert client.get("/portal/", follow_redirects=True).request.path == "/portal/tenants"
    r = post(client, "/portal/tenants", {"name": "ACME GmbH", "customer_number": "K-4711",
                                         "sip_domain": "acme.sip.example.net"})
    assert r.status_code == 302, text(r)
    tenant = db.session.execute(
        select(Tenant).where(Tenant.customer_number == "K-4711")).scalar_one()
    assert "has no superadmin yet" in text(client.get(f"/portal/tenants/{tenant.id}"))
    r = post(client, f"/portal/tenants/{tenant.id}", {
        "action": "superadmin", "username": "acme-boss", "password": STRONG_PASSWORD})
    assert r.status_code == 302
    boss = db.session.execute(select(Account).where(Account.username == "acme-boss")).scalar_one()
    assert boss.role is Role.SUPERADMIN and boss.tenant_id == tenant.id
    r = post(client, f"/portal/tenants/{tenant.id}", {
        "action": "contract", "name": "ACME AG", "customer_number": "K-4711",
        "sip_domain": "acme.sip.example.net"})
    db.session.expire_all()
    assert tenant.name == "ACME AG"


def test_a_tenants_admin_cannot_open_the_operators_pages(client):
    admin = make_account(Role.SUPERADMIN)
    sign_in(client, admin)
    assert client.get("/portal/tenants").status_code == 403
    assert client.get(f"/portal/tenants/{admin.tenant_id}").status_code == 403


def _ids_of_another_tenant() -> dict[str, int]:
    other = make_tenant()
    employee = make_employee(other)
    return {
        "tenant_id": other.id,
        "account_id": make_account(Role.ADMIN, other).id,
        "employee_id": employee.id,
        "number_id": make_number(other).id,
        "device_id": make_device(other, employee_id=employee.id).id,
        "unrecognised_id": make_unrecognised(other).id,
    }


def test_every_portal_page_with_an_object_id_answers_another_tenants_object_as_not_found(
        app, client):
    foreign = _ids_of_another_tenant()
    sign_in(client, make_account(Role.SUPERADMIN))
    rules = [r for r in app.url_map.iter_rules()
             if r.endpoint.startswith("portal.") and any(a.endswith("_id") for a in r.arguments)]
    assert rules
    for rule in rules:
        if rule.endpoint in ("portal.tenant",):
            continue  # operators only: 403 for everyone else, tested above
        others = {"filename": "x.xml", "action": "activate"}
        args = {a: foreign.get(a, others.get(a, 1)) for a in rule.arguments}
        url = rule.build(args, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            r = post(client, url, {}) if method == "POST" else client.get(url)
            assert r.status_code == 404, (method, url, r.status_code)


def test_a_user_keeps_private_contacts_that_colleagues_do_not_see(client):
    tenant = make_tenant()
    anna, ben = make_account(Role.USER, tenant), make_account(Role.USER, tenant)
    sign_in(client, anna)
    r = post(client, "/portal/contacts", {"first_name": "Pia", "last_name": "Private",
                                          "number": "+49 30 1234567", "kind": "mobile"})
    assert r.status_code == 302, text(r)
    page = text(client.get("/portal/contacts"))
    assert "Pia Private" in page and "+49301234567" in page and 'data-private="true"' in page
    post(client, "/portal/logout", token_from="/portal/me")
    sign_in(client, ben)
    assert "Pia Private" not in text(client.get("/portal/contacts"))


def test_an_admin_imports_a_csv_and_a_bad_line_is_named_with_nothing_imported(client):
    admin = make_account(Role.SUPERADMIN)
    sign_in(client, admin)
    page = text(client.get("/portal/contacts"))
    token = page[page.index('name="csrf_token" value="') + 25:].split('"', 1)[0]
    good = b"first_name,last_name,company,office\nMia,Meyer,ACME,+49301111\n"
    r = client.post("/portal/contacts/import", data={
        "csrf_token": token, "format": "csv", "file": (io.BytesIO(good), "c.csv")},
        content_type="multipart/form-data")
    assert r.status_code == 302, text(r)
    assert "Mia Meyer" in text(client.get("/portal/contacts"))
    bad = b"first_name,last_name,company,office\nOla,Nord,,+49302222\nEve,Bad,,not-a-number\n"
    r = client.post("/portal/contacts/import", data={
        "csrf_token": token, "format": "csv", "file": (io.BytesIO(bad), "c.csv")},
        content_type="multipart/form-data")
    assert r.status_code == 422 and "line 3" in text(r)
    assert "Ola Nord" not in text(client.get("/portal/contacts")), "all or nothing"
    export = client.get("/portal/contacts/export?format=csv")
    assert export.status_code == 200 and b"Meyer" in export.data
