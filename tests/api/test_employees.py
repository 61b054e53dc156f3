"""Employees: CRUD, the personal-number rules, who sees whom."""

from sqlalchemy import func, select

from provisioning.accounts.models import Role
from provisioning.employees.models import Employee
from provisioning.extensions import db
from provisioning.journal.models import JournalEntry
from provisioning.journal.recorder import MASK
from provisioning.numbers.models import NumberStatus, PhoneNumber
from provisioning.sip.models import SipAccount
from provisioning.sites.models import Site
from tests.factories import headers_for, make_account, make_tenant
from tests.factories_people import make_employee, make_number


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _admin_headers(tenant):
    return headers_for(make_account(Role.ADMIN, tenant))


def test_admin_creates_a_telephoning_employee_with_number_and_sip_account(client):
    tenant = make_tenant(sip_domain="acme.sip.test")
    number = make_number(tenant, "+4930300001")
    site = Site(tenant_id=tenant.id, name="Berlin")
    account = make_account(Role.USER, tenant)
    db.session.add(site)
    db.session.commit()
    r = client.post("/api/v1/employees", headers=_admin_headers(tenant), json={
        "display_name": "  Ada Lovelace ", "personal_number": "+49 30 300001",
        "account_id": account.id, "site_id": site.id})
    assert r.status_code == 201, r.json
    assert r.headers["ETag"]
    body = r.json
    assert body["display_name"] == "Ada Lovelace" and body["telephony"] is True
    assert body["personal_number"] == number.e164 and body["missing_personal_number"] is False
    sip = body["sip_account"]
    assert sip["domain"] == "acme.sip.test" and sip["enabled"] is True
    assert sip["username"].startswith("u") and len(sip["username"]) == 9
    assert "30300001" not in sip["username"]
    assert "password" not in str(body)
    entry = db.session.execute(select(JournalEntry).filter_by(
        object_type="employees", object_id=body["id"])).scalar_one()
    assert entry.action == "create" and entry.changes["personal_number_id"] == number.id


def test_a_telephoning_employee_needs_a_personal_number(client):
    tenant = make_tenant()
    before = _count(Employee)
    r = client.post("/api/v1/employees", headers=_admin_headers(tenant),
                    json={"display_name": "Bob"})
    assert r.status_code == 422 and r.json["error_id"] == "personal_number_required"
    assert _count(Employee) == before


def test_an_employee_who_does_not_telephone_has_no_sip_account(client):
    tenant = make_tenant()
    h = _admin_headers(tenant)
    r = client.post("/api/v1/employees", headers=h,
                    json={"display_name": "Reception", "telephony": False})
    assert r.status_code == 201 and r.json["sip_account"] is None
    assert r.json["missing_personal_number"] is False
    employee = make_employee(tenant)
    sip_id = employee.sip_account.id
    r = client.patch(f"/api/v1/employees/{employee.id}", headers=h, json={"telephony": False})
    assert r.status_code == 200 and r.json["sip_account"] is None
    assert db.session.get(SipAccount, sip_id) is None


def test_a_personal_number_belongs_to_at_most_one_employee(client):
    tenant = make_tenant()
    holder = make_employee(tenant)
    before = _count(Employee)
    r = client.post("/api/v1/employees", headers=_admin_headers(tenant), json={
        "display_name": "Copycat", "personal_number": holder.personal_number.e164})
    assert r.status_code == 409 and r.json["error_id"] == "number_taken"
    assert _count(Employee) == before


def test_only_an_active_number_can_be_assigned(client):
    tenant = make_tenant()
    h = _admin_headers(tenant)
    for status in (NumberStatus.INACTIVE, NumberStatus.PENDING_DEACTIVATION):
        number = make_number(tenant, status=status)
        r = client.post("/api/v1/employees", headers=h,
                        json={"display_name": "Eve", "personal_number": number.e164})
        assert r.status_code == 422 and r.json["error_id"] == "number_not_active", status


def test_another_tenants_or_an_unknown_number_is_not_found_and_nothing_is_stored(client):
    tenant, other = make_tenant(), make_tenant()
    foreign = make_number(other)
    h = _admin_headers(tenant)
    before = (_count(Employee), _count(SipAccount))
    for e164 in (foreign.e164, "+4930999888777"):
        r = client.post("/api/v1/employees", headers=h,
                        json={"display_name": "Mallory", "personal_number": e164})
        assert r.status_code == 404 and r.json["message"] == "number not found"
    r = client.post("/api/v1/employees", headers=h,
                    json={"display_name": "Mallory", "personal_number": "+49abc"})
    assert r.status_code == 422 and "personal_number" in r.json["details"]["fields"]
    assert (_count(Employee), _count(SipAccount)) == before


def test_changing_the_personal_number_frees_the_old_one_which_stays_active(client):
    tenant = make_tenant()
    employee = make_employee(tenant)
    old_id, username = employee.personal_number_id, employee.sip_account.username
    new = make_number(tenant)
    r = client.put(f"/api/v1/employees/{employee.id}/personal-number",
                   headers=_admin_headers(tenant), json={"personal_number": new.e164})
    assert r.status_code == 200, r.json
    assert r.json["personal_number"] == new.e164
    assert r.json["sip_account"]["username"] == username
    db.session.expire_all()
    old = db.session.get(PhoneNumber, old_id)
    assert old.status is NumberStatus.ACTIVE and old.holder is None


def test_a_number_or_account_of_another_employee_cannot_be_taken_by_patch(client):
    tenant = make_tenant()
    first, second = make_employee(tenant), make_employee(tenant)
    account = make_account(Role.USER, tenant)
    first.account_id = account.id
    db.session.commit()
    h = _admin_headers(tenant)
    r = client.patch(f"/api/v1/employees/{second.id}", headers=h,
                     json={"personal_number": first.personal_number.e164})
    assert r.status_code == 409 and r.json["error_id"] == "number_taken"
    r = client.patch(f"/api/v1/employees/{second.id}", headers=h, json={"account_id": account.id})
    assert r.status_code == 409 and r.json["error_id"] == "account_taken"
    r = client.patch(f"/api/v1/employees/{second.id}", headers=h, json={"personal_number": None})
    assert r.status_code == 422 and r.json["error_id"] == "personal_number_required"


def test_account_and_site_of_another_tenant_are_not_found(client):
    tenant, other = make_tenant(), make_tenant()
    employee = make_employee(tenant)
    foreign_account = make_account(Role.USER, other)
    foreign_site = Site(tenant_id=other.id, name="Elsewhere")
    db.session.add(foreign_site)
    db.session.commit()
    h = _admin_headers(tenant)
    url = f"/api/v1/employees/{employee.id}"
    assert client.patch(url, headers=h, json={"account_id": foreign_account.id}).status_code == 404
    assert client.patch(url, headers=h, json={"site_id": foreign_site.id}).status_code == 404
    assert client.patch(url, headers=h, json={"tenant_id": other.id}).status_code == 422


def test_a_stale_if_match_on_patch_is_412(client):
    tenant = make_tenant()
    employee = make_employee(tenant)
    h = _admin_headers(tenant)
    etag = client.get(f"/api/v1/employees/{employee.id}", headers=h).headers["ETag"]
    r = client.patch(f"/api/v1/employees/{employee.id}", headers={**h, "If-Match": etag},
                     json={"display_name": "First"})
    assert r.status_code == 200
    r = client.patch(f"/api/v1/employees/{employee.id}", headers={**h, "If-Match": etag},
                     json={"display_name": "Second"})
    assert r.status_code == 412 and r.json["error_id"] == "precondition_failed"
    assert db.session.get(Employee, employee.id).display_name == "First"


def test_the_list_searches_display_names_and_paginates(client):
    tenant, other = make_tenant(), make_tenant()
    for name in ("Anna Alt", "Bernd Brot", "Anne Arm"):
        make_employee(tenant, display_name=name)
    make_employee(other, display_name="Anna Fremd")
    h = _admin_headers(tenant)
    r = client.get("/api/v1/employees?q=ann&per_page=1", headers=h)
    assert r.status_code == 200
    assert r.json["total"] == 2 and [e["display_name"] for e in r.json["items"]] == ["Anna Alt"]
    r = client.get("/api/v1/employees?q=ann&per_page=1&page=2", headers=h)
    assert [e["display_name"] for e in r.json["items"]] == ["Anne Arm"]


def test_a_user_sees_only_their_own_employee_and_changes_nothing(client):
    tenant = make_tenant()
    user = make_account(Role.USER, tenant)
    own = make_employee(tenant, account_id=user.id)
    colleague = make_employee(tenant)
    h = headers_for(user)
    r = client.get("/api/v1/employees", headers=h)
    assert [e["id"] for e in r.json["items"]] == [own.id]
    r = client.get(f"/api/v1/employees/{own.id}", headers=h)
    assert r.status_code == 200 and r.json["personal_number"] == own.personal_number.e164
    assert client.get(f"/api/v1/employees/{colleague.id}", headers=h).status_code == 404
    assert client.patch(f"/api/v1/employees/{own.id}", headers=h,
                        json={"display_name": "Me"}).status_code == 403
    assert client.patch(f"/api/v1/employees/{colleague.id}", headers=h,
                        json={"display_name": "You"}).status_code == 404
    assert client.delete(f"/api/v1/employees/{own.id}", headers=h).status_code == 403
    assert client.post("/api/v1/employees", headers=h,
                       json={"display_name": "New", "telephony": False}).status_code == 403


def test_another_tenants_employee_does_not_exist_for_an_admin(client):
    tenant, other = make_tenant(), make_tenant()
    foreign = make_employee(other)
    h = _admin_headers(tenant)
    assert client.get(f"/api/v1/employees/{foreign.id}", headers=h).status_code == 404
    assert client.delete(f"/api/v1/employees/{foreign.id}", headers=h).status_code == 404
    assert client.get(f"/api/v1/employees/{foreign.id}/sip-account", headers=h).status_code == 404


def test_deleting_an_employee_deletes_the_sip_account_and_frees_the_number(client):
    tenant = make_tenant()
    employee = make_employee(tenant)
    number_id, sip_id = employee.personal_number_id, employee.sip_account.id
    r = client.delete(f"/api/v1/employees/{employee.id}", headers=_admin_headers(tenant))
    assert r.status_code == 204
    db.session.expire_all()
    assert db.session.get(Employee, employee.id) is None
    assert db.session.get(SipAccount, sip_id) is None
    number = db.session.get(PhoneNumber, number_id)
    assert number.status is NumberStatus.ACTIVE and number.holder is None
    deleted = db.session.execute(select(JournalEntry).filter_by(
        object_type="sip_accounts", object_id=sip_id, action="delete")).scalar_one()
    assert deleted.changes["password_encrypted"] == MASK
