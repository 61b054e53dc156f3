"""SIP accounts: the password is stored encrypted, never in ordinary answers, revealed only to
admins who ask, and every reading or change is journaled with the secret masked."""

from sqlalchemy import select

from provisioning.accounts.models import Role
from provisioning.extensions import db
from provisioning.journal.models import JournalEntry
from provisioning.journal.recorder import MASK
from provisioning.sip.models import SipAccount
from provisioning.sip.service import sip_password_clear
from tests.factories import headers_for, make_account, make_tenant
from tests.factories_people import make_employee


def _sip_journal(sip_id: int, action: str) -> list[JournalEntry]:
    stmt = select(JournalEntry).filter_by(object_type="sip_accounts", object_id=sip_id,
                                          action=action).order_by(JournalEntry.id)
    return list(db.session.execute(stmt).scalars())


def test_the_password_is_stored_encrypted_and_never_in_employee_answers(client, app):
    tenant = make_tenant()
    user = make_account(Role.USER, tenant)
    employee = make_employee(tenant, account_id=user.id)
    sip = employee.sip_account
    clear = sip_password_clear(sip)
    assert len(clear) == app.config["SIP_PASSWORD_LENGTH"]
    assert clear not in sip.password_encrypted
    for account in (make_account(Role.ADMIN, tenant), make_account(Role.OPERATOR), user):
        h = headers_for(account)
        for url in ("/api/v1/employees", f"/api/v1/employees/{employee.id}",
                    f"/api/v1/employees/{employee.id}/sip-account"):
            r = client.get(url, headers=h)
            assert r.status_code == 200, (account.role, url)
            text = r.get_data(as_text=True)
            assert clear not in text and sip.password_encrypted not in text
            assert "password" not in text


def test_the_sip_account_is_created_with_a_masked_password_in_the_journal(client):
    tenant = make_tenant()
    employee = make_employee(tenant)
    created = _sip_journal(employee.sip_account.id, "create")
    assert len(created) == 1
    assert created[0].changes["password_encrypted"] == MASK
    assert created[0].changes["username"] == employee.sip_account.username


def test_an_admin_reveals_the_password_and_the_reading_is_journaled(client):
    tenant = make_tenant()
    employee = make_employee(tenant)
    admin = make_account(Role.ADMIN, tenant)
    url = f"/api/v1/employees/{employee.id}/sip-account/password"
    r = client.get(url, headers=headers_for(admin))
    assert r.status_code == 200
    assert r.json == {"password": sip_password_clear(employee.sip_account)}
    assert r.headers["Cache-Control"] == "no-store"
    [entry] = _sip_journal(employee.sip_account.id, "reveal_sip_password")
    assert entry.actor == admin.username and entry.tenant_id == tenant.id
    assert r.json["password"] not in str(entry.changes)


def test_operators_and_superadmins_may_reveal_but_users_may_not_even_their_own(client):
    tenant = make_tenant()
    user = make_account(Role.USER, tenant)
    employee = make_employee(tenant, account_id=user.id)
    url = f"/api/v1/employees/{employee.id}/sip-account/password"
    for role in (Role.OPERATOR, Role.SUPERADMIN):
        account = make_account(role, None if role is Role.OPERATOR else tenant)
        assert client.get(url, headers=headers_for(account)).status_code == 200, role
    r = client.get(url, headers=headers_for(user))
    assert r.status_code == 403 and "password" not in r.json
    assert client.post(url, headers=headers_for(user)).status_code == 403
    assert len(_sip_journal(employee.sip_account.id, "reveal_sip_password")) == 2


def test_another_tenants_password_does_not_exist_and_no_reading_is_journaled(client):
    tenant, other = make_tenant(), make_tenant()
    foreign = make_employee(other)
    admin = make_account(Role.ADMIN, tenant)
    url = f"/api/v1/employees/{foreign.id}/sip-account/password"
    r = client.get(url, headers=headers_for(admin))
    assert r.status_code == 404
    assert _sip_journal(foreign.sip_account.id, "reveal_sip_password") == []


def test_regenerating_answers_the_new_password_once_and_journals_it_masked(client):
    tenant = make_tenant()
    employee = make_employee(tenant)
    sip_id, old = employee.sip_account.id, sip_password_clear(employee.sip_account)
    username = employee.sip_account.username
    h = headers_for(make_account(Role.ADMIN, tenant))
    r = client.post(f"/api/v1/employees/{employee.id}/sip-account/password", headers=h)
    assert r.status_code == 200
    new = r.json["password"]
    assert new != old
    db.session.expire_all()
    sip = db.session.get(SipAccount, sip_id)
    assert sip_password_clear(sip) == new and sip.username == username
    [update] = _sip_journal(sip_id, "update")
    assert update.changes == {"password_encrypted": [MASK, MASK]}
    assert MASK == "***"
    answer = client.get(f"/api/v1/employees/{employee.id}", headers=h)
    assert new not in answer.get_data(as_text=True)


def test_an_admin_disables_and_enables_the_sip_account(client):
    tenant = make_tenant()
    employee = make_employee(tenant)
    h = headers_for(make_account(Role.ADMIN, tenant))
    url = f"/api/v1/employees/{employee.id}/sip-account"
    etag = client.get(url, headers=h).headers["ETag"]
    r = client.patch(url, headers={**h, "If-Match": etag}, json={"enabled": False})
    assert r.status_code == 200 and r.json["enabled"] is False
    r = client.patch(url, headers={**h, "If-Match": etag}, json={"enabled": True})
    assert r.status_code == 412
    r = client.patch(url, headers=h, json={"enabled": True, "username": "u1"})
    assert r.status_code == 422
    [update] = _sip_journal(employee.sip_account.id, "update")
    assert update.changes == {"enabled": [True, False]}


def test_a_sip_account_without_a_number_cannot_be_enabled(client):
    tenant = make_tenant()
    employee = make_employee(tenant)
    employee.personal_number = None
    employee.sip_account.enabled = False
    db.session.commit()
    r = client.patch(f"/api/v1/employees/{employee.id}/sip-account",
                     headers=headers_for(make_account(Role.ADMIN, tenant)), json={"enabled": True})
    assert r.status_code == 422 and r.json["error_id"] == "personal_number_required"


def test_an_employee_without_telephony_has_no_sip_account_to_read(client):
    tenant = make_tenant()
    employee = make_employee(tenant, telephony=False)
    h = headers_for(make_account(Role.ADMIN, tenant))
    assert client.get(f"/api/v1/employees/{employee.id}/sip-account", headers=h).status_code == 404
    r = client.get(f"/api/v1/employees/{employee.id}/sip-account/password", headers=h)
    assert r.status_code == 404


def test_sip_usernames_are_unique_per_tenant_and_not_the_number(client):
    tenant = make_tenant()
    employees = [make_employee(tenant) for _ in range(5)]
    names = {e.sip_account.username for e in employees}
    assert len(names) == 5
    for e in employees:
        assert e.personal_number.e164.lstrip("+") not in e.sip_account.username
