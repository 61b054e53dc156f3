"""A number's life: activate, deactivate with a date, reactivate, exchange, termination."""

import datetime as dt

from sqlalchemy import select

from provisioning.accounts.models import Role
from provisioning.common.models import utcnow
from provisioning.devices.models import Device, FunctionKey, KeyKind
from provisioning.employees.models import Employee
from provisioning.extensions import db
from provisioning.journal.models import JournalEntry
from provisioning.numbers.models import NumberStatus, PhoneNumber
from provisioning.numbers.service import terminate_due_numbers
from provisioning.sip.models import SipAccount
from tests.factories import headers_for, make_account, make_tenant
from tests.factories_people import make_employee, make_number


def _admin_headers(tenant):
    return headers_for(make_account(Role.ADMIN, tenant))


def _journal(number_id: int) -> list[JournalEntry]:
    return list(db.session.execute(select(JournalEntry).filter_by(
        object_type="phone_numbers", object_id=number_id).order_by(JournalEntry.id)).scalars())


def test_admin_activates_an_inactive_number_and_the_journal_shows_the_status_change(client):
    tenant = make_tenant()
    number = make_number(tenant, status=NumberStatus.INACTIVE)
    h = _admin_headers(tenant)
    r = client.post(f"/api/v1/numbers/{number.id}/activate", headers=h)
    assert r.status_code == 200 and r.json["status"] == "active"
    assert _journal(number.id)[-1].changes == {"status": ["inactive", "active"]}
    r = client.post(f"/api/v1/numbers/{number.id}/activate", headers=h)
    assert r.status_code == 409 and r.json["error_id"] == "invalid_status"


def test_deactivation_sets_a_termination_date_of_today_or_later(client):
    tenant = make_tenant()
    number = make_number(tenant)
    h = _admin_headers(tenant)
    today = utcnow().date()
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    r = client.post(f"/api/v1/numbers/{number.id}/deactivate", headers=h,
                    json={"termination_date": yesterday})
    assert r.status_code == 422
    assert db.session.get(PhoneNumber, number.id).status is NumberStatus.ACTIVE
    r = client.post(f"/api/v1/numbers/{number.id}/deactivate", headers=h,
                    json={"termination_date": today.isoformat()})
    assert r.status_code == 200, r.json
    assert r.json["status"] == "pending_deactivation"
    assert r.json["termination_date"] == today.isoformat()
    assert _journal(number.id)[-1].changes == {
        "status": ["active", "pending_deactivation"], "termination_date": [None, today.isoformat()]}
    r = client.post(f"/api/v1/numbers/{number.id}/deactivate", headers=h, json={})
    assert r.status_code == 422


def test_an_inactive_number_cannot_be_deactivated(client):
    tenant = make_tenant()
    number = make_number(tenant, status=NumberStatus.INACTIVE)
    r = client.post(f"/api/v1/numbers/{number.id}/deactivate", headers=_admin_headers(tenant),
                    json={"termination_date": "2999-12-31"})
    assert r.status_code == 409 and r.json["error_id"] == "invalid_status"


def test_reactivation_makes_a_pending_or_inactive_number_active_and_clears_the_date(client):
    tenant = make_tenant()
    pending = make_number(tenant, status=NumberStatus.PENDING_DEACTIVATION,
                          termination_date=dt.date(2999, 1, 31))
    idle = make_number(tenant, status=NumberStatus.INACTIVE)
    h = _admin_headers(tenant)
    for number in (pending, idle):
        r = client.post(f"/api/v1/numbers/{number.id}/reactivate", headers=h)
        assert r.status_code == 200, r.json
        assert r.json["status"] == "active" and r.json["termination_date"] is None
    r = client.post(f"/api/v1/numbers/{idle.id}/reactivate", headers=h)
    assert r.status_code == 409


def test_user_may_not_run_the_lifecycle(client):
    tenant = make_tenant()
    number = make_number(tenant, status=NumberStatus.INACTIVE)
    user = make_account(Role.USER, tenant)
    r = client.post(f"/api/v1/numbers/{number.id}/activate", headers=headers_for(user))
    assert r.status_code == 403


def test_exchange_moves_employee_and_keys_to_the_replacement_and_drops_old_settings(client):
    tenant = make_tenant()
    old = make_number(tenant, "+4930200001", settings={"caller_id_name": "Sales"})
    replacement = make_number(tenant, "+4930200002", status=NumberStatus.INACTIVE)
    employee = make_employee(tenant, old)
    device = Device(tenant_id=tenant.id, mac="0004f2000001", vendor="snom", model="D785")
    db.session.add(device)
    db.session.flush()
    key = FunctionKey(tenant_id=tenant.id, device_id=device.id, position=1,
                      kind=KeyKind.SPEED_DIAL, target_number=old.e164)
    other_key = FunctionKey(tenant_id=tenant.id, device_id=device.id, position=2,
                            kind=KeyKind.SPEED_DIAL, target_number="+4930999999")
    db.session.add_all([key, other_key])
    db.session.commit()

    r = client.post(f"/api/v1/numbers/{old.id}/exchange", headers=_admin_headers(tenant),
                    json={"replacement_id": replacement.id})
    assert r.status_code == 200, r.json
    assert r.json["number"]["e164"] == replacement.e164 and r.json["number"]["status"] == "active"
    assert r.json["number"]["employee_id"] == employee.id
    assert r.json["replaced"]["status"] == "inactive" and r.json["replaced"]["settings"] == {}
    assert r.json["replaced"]["employee_id"] is None
    assert r.json["dropped_settings"] == {"caller_id_name": "Sales"}
    assert r.json["moved_employee_ids"] == [employee.id]
    assert r.json["retargeted_function_key_ids"] == [key.id]

    db.session.expire_all()
    assert db.session.get(Employee, employee.id).personal_number_id == replacement.id
    assert db.session.get(FunctionKey, key.id).target_number == replacement.e164
    assert db.session.get(FunctionKey, other_key.id).target_number == "+4930999999"
    assert db.session.get(PhoneNumber, old.id).settings == {}
    assert _journal(old.id)[-1].changes["settings"] == [{"caller_id_name": "Sales"}, {}]


def test_exchange_needs_an_inactive_replacement_of_the_same_tenant(client):
    tenant, other = make_tenant(), make_tenant()
    old = make_number(tenant)
    h = _admin_headers(tenant)
    busy = make_number(tenant)
    url = f"/api/v1/numbers/{old.id}/exchange"
    r = client.post(url, headers=h, json={"replacement_id": busy.id})
    assert r.status_code == 409 and r.json["error_id"] == "replacement_not_inactive"
    foreign = make_number(other, status=NumberStatus.INACTIVE)
    r = client.post(url, headers=h, json={"replacement_id": foreign.id})
    assert r.status_code == 404
    operator_h = headers_for(make_account(Role.OPERATOR))
    r = client.post(f"/api/v1/numbers/{old.id}/exchange", headers=operator_h,
                    json={"replacement_id": foreign.id})
    assert r.status_code == 404
    db.session.expire_all()
    assert db.session.get(PhoneNumber, old.id).status is NumberStatus.ACTIVE
    assert db.session.get(PhoneNumber, foreign.id).status is NumberStatus.INACTIVE


def test_terminate_due_numbers_ends_numbers_past_their_date_and_disables_the_sip_account(app):
    tenant = make_tenant()
    today = dt.date(2030, 6, 15)
    due = make_number(tenant, status=NumberStatus.PENDING_DEACTIVATION,
                      termination_date=dt.date(2030, 6, 14))
    last_day = make_number(tenant, status=NumberStatus.PENDING_DEACTIVATION, termination_date=today)
    employee = make_employee(tenant, due)
    keeps_calling = make_employee(tenant, last_day)

    assert terminate_due_numbers(today) == 1
    db.session.commit()
    db.session.expire_all()

    assert db.session.get(PhoneNumber, due.id).status is NumberStatus.INACTIVE
    assert db.session.get(PhoneNumber, last_day.id).status is NumberStatus.PENDING_DEACTIVATION
    lost = db.session.get(Employee, employee.id)
    assert lost.personal_number_id is None and lost.missing_personal_number
    assert db.session.get(SipAccount, lost.sip_account.id).enabled is False
    kept = db.session.get(Employee, keeps_calling.id)
    assert kept.personal_number_id == last_day.id and kept.sip_account.enabled
    assert terminate_due_numbers(today) == 0


def test_after_termination_the_employee_shows_the_missing_number_and_can_get_a_new_one(client):
    tenant = make_tenant()
    number = make_number(tenant, status=NumberStatus.PENDING_DEACTIVATION,
                         termination_date=dt.date(2030, 1, 1))
    employee = make_employee(tenant, number)
    terminate_due_numbers(dt.date(2030, 1, 2))
    db.session.commit()
    h = _admin_headers(tenant)
    r = client.get(f"/api/v1/employees/{employee.id}", headers=h)
    assert r.json["missing_personal_number"] is True and r.json["personal_number"] is None
    assert r.json["sip_account"]["enabled"] is False
    # Still editable while an admin looks for a number.
    r = client.patch(f"/api/v1/employees/{employee.id}", headers=h,
                     json={"display_name": "Renamed"})
    assert r.status_code == 200, r.json
    fresh = make_number(tenant)
    r = client.put(f"/api/v1/employees/{employee.id}/personal-number", headers=h,
                   json={"personal_number": fresh.e164})
    assert r.status_code == 200 and r.json["missing_personal_number"] is False
