"""Phone numbers: adding and removing them, listing, settings, bad input."""

from sqlalchemy import func, select

from provisioning.accounts.models import Role
from provisioning.extensions import db
from provisioning.journal.models import JournalEntry
from provisioning.numbers.models import NumberStatus, PhoneNumber
from tests.factories import headers_for, make_account, make_tenant
from tests.factories_people import make_employee, make_number


def _count_numbers() -> int:
    return db.session.execute(select(func.count()).select_from(PhoneNumber)).scalar_one()


def test_operator_adds_a_number_which_starts_inactive_and_is_journaled(client):
    tenant = make_tenant()
    operator = make_account(Role.OPERATOR)
    r = client.post("/api/v1/numbers", headers=headers_for(operator),
                    json={"e164": "+49 (30) 1234-567", "tenant_id": tenant.id})
    assert r.status_code == 201, r.json
    assert r.json["e164"] == "+49301234567"
    assert r.json["status"] == "inactive" and r.json["employee_id"] is None
    entry = db.session.execute(select(JournalEntry).filter_by(
        object_type="phone_numbers", object_id=r.json["id"])).scalar_one()
    assert entry.action == "create" and entry.actor == operator.username


def test_a_malformed_number_is_refused_and_nothing_is_stored(client):
    tenant = make_tenant()
    operator = make_account(Role.OPERATOR)
    before = _count_numbers()
    r = client.post("/api/v1/numbers", headers=headers_for(operator),
                    json={"e164": "+49abc", "tenant_id": tenant.id})
    assert r.status_code == 422
    assert "E.164" in r.json["details"]["fields"]["e164"][0]
    assert _count_numbers() == before


def test_a_number_another_tenant_holds_is_a_conflict_that_does_not_name_the_tenant(client):
    holder, mine = make_tenant(name="Secret Holder AG"), make_tenant()
    make_number(holder, "+4940111222")
    operator = make_account(Role.OPERATOR)
    before = _count_numbers()
    r = client.post("/api/v1/numbers", headers=headers_for(operator),
                    json={"e164": "+49 40 111 222", "tenant_id": mine.id})
    assert r.status_code == 409 and r.json["error_id"] == "number_exists"
    assert "Secret Holder" not in str(r.json) and r.json["details"] == {"e164": "+4940111222"}
    assert _count_numbers() == before


def test_admins_may_not_add_numbers_and_users_may_not_list_them(client):
    tenant = make_tenant()
    admin, user = make_account(Role.ADMIN, tenant), make_account(Role.USER, tenant)
    r = client.post("/api/v1/numbers", headers=headers_for(admin), json={"e164": "+4930999"})
    assert r.status_code == 403
    assert client.get("/api/v1/numbers", headers=headers_for(user)).status_code == 403
    number = make_number(tenant)
    assert client.get(f"/api/v1/numbers/{number.id}", headers=headers_for(user)).status_code == 403


def test_the_list_shows_only_the_own_tenant_and_filters_by_status_text_and_assignment(client):
    tenant, other = make_tenant(), make_tenant()
    admin = make_account(Role.ADMIN, tenant)
    held = make_number(tenant, "+4930100001")
    make_employee(tenant, held)
    free = make_number(tenant, "+4930100002")
    idle = make_number(tenant, "+4989100003", status=NumberStatus.INACTIVE)
    make_number(other, "+4930100004")
    h = headers_for(admin)

    def e164s(query: str = "") -> list[str]:
        r = client.get(f"/api/v1/numbers{query}", headers=h)
        assert r.status_code == 200, r.json
        return [n["e164"] for n in r.json["items"]]

    assert e164s() == [held.e164, free.e164, idle.e164]
    assert e164s("?status=inactive") == [idle.e164]
    assert e164s("?q=%2B49%2089") == [idle.e164]
    assert e164s("?assigned=true") == [held.e164]
    assert e164s("?assigned=false") == [free.e164, idle.e164]
    assert client.get("/api/v1/numbers?status=bogus", headers=h).status_code == 422


def test_another_tenants_number_does_not_exist_for_an_admin(client):
    tenant, other = make_tenant(), make_tenant()
    admin = make_account(Role.ADMIN, tenant)
    foreign = make_number(other)
    h = headers_for(admin)
    assert client.get(f"/api/v1/numbers/{foreign.id}", headers=h).status_code == 404
    r = client.post(f"/api/v1/numbers/{foreign.id}/deactivate", headers=h,
                    json={"termination_date": "2999-01-01"})
    assert r.status_code == 404
    assert db.session.get(PhoneNumber, foreign.id).status is NumberStatus.ACTIVE


def test_admin_sets_flat_settings_and_nested_ones_are_refused(client):
    tenant = make_tenant()
    admin = make_account(Role.ADMIN, tenant)
    number = make_number(tenant)
    h = headers_for(admin)
    settings = {"caller_id_name": "Sales", "forward_to": "+4930999", "ring_seconds": 20,
                "dnd": False}
    r = client.patch(f"/api/v1/numbers/{number.id}", headers=h, json={"settings": settings})
    assert r.status_code == 200 and r.json["settings"] == settings
    for bad in ({"nested": {"a": 1}}, {"list": [1]}, {"nothing": None}, {"ratio": 1.5},
                {f"k{i}": i for i in range(51)}):
        r = client.patch(f"/api/v1/numbers/{number.id}", headers=h, json={"settings": bad})
        assert r.status_code == 422, bad
    r = client.patch(f"/api/v1/numbers/{number.id}", headers=h, json={"e164": "+4930777"})
    assert r.status_code == 422
    assert db.session.get(PhoneNumber, number.id).settings == settings


def test_operator_removes_only_an_inactive_unassigned_number(client):
    tenant = make_tenant()
    operator = make_account(Role.OPERATOR)
    h = headers_for(operator)
    active = make_number(tenant)
    r = client.delete(f"/api/v1/numbers/{active.id}", headers=h)
    assert r.status_code == 409 and r.json["error_id"] == "number_in_use"
    idle = make_number(tenant, status=NumberStatus.INACTIVE)
    assert client.delete(f"/api/v1/numbers/{idle.id}", headers=h).status_code == 204
    assert db.session.get(PhoneNumber, idle.id) is None
    admin = make_account(Role.ADMIN, tenant)
    spare = make_number(tenant, status=NumberStatus.INACTIVE)
    r = client.delete(f"/api/v1/numbers/{spare.id}", headers=headers_for(admin))
    assert r.status_code == 403
