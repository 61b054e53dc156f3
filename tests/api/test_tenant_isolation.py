"""Tenant isolation on every route: walks the application's URL map, so that a route added
later is covered without anyone remembering to add it here.

Tenant B gets one object of every kind, each named with a marker. For every /api/v1 route with
object ids, every method is called by tenant A's superadmin and by A's user with B's ids: the
answer is 404 and B's rows are unchanged. Every list route, called by A's superadmin (also with
?tenant_id=B), never shows the marker.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from provisioning.accounts.models import Role
from provisioning.common.scoping import id_parameters
from provisioning.contacts.models import Contact, ContactGroupMember, ContactNumber
from provisioning.crypto import secret_box
from provisioning.extensions import db
from provisioning.models import (
    Account,
    ContactGroup,
    Device,
    Employee,
    FunctionKey,
    KeyKind,
    Network,
    NumberStatus,
    PhoneNumber,
    SipAccount,
    Site,
    Tenant,
    UnrecognisedDevice,
)
from tests.factories import headers_for, make_account, make_tenant

MARKER = "zzothertenant"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Route parameters that are not object ids (a device's file name): any plausible value.
OTHER_PARAMETERS = {"filename": "0004139f9f9f.xml"}


def _other_tenant() -> dict[str, int]:
    b = make_tenant(name=f"{MARKER} B")
    account = make_account(Role.ADMIN, b, username=f"{MARKER}admin")
    site = Site(tenant_id=b.id, name=f"{MARKER} site", timezone="Europe/Berlin", language="de")
    group = ContactGroup(tenant_id=b.id, name=f"{MARKER} group")
    number = PhoneNumber(tenant_id=b.id, e164="+4930999000111", status=NumberStatus.ACTIVE)
    db.session.add_all([site, group, number])
    db.session.flush()
    network = Network(tenant_id=b.id, cidr="198.51.100.0/24", site_id=site.id)
    employee = Employee(
        tenant_id=b.id,
        display_name=f"{MARKER} employee",
        personal_number_id=number.id,
        site_id=site.id,
    )
    db.session.add_all([network, employee])
    db.session.flush()
    db.session.add(
        SipAccount(
            tenant_id=b.id,
            employee_id=employee.id,
            username=f"{MARKER}sip",
            password_encrypted=secret_box().encrypt("x" * 24),
        )
    )
    device = Device(
        tenant_id=b.id,
        mac="0004139f9f9f",
        vendor="snom",
        model="D785",
        label=f"{MARKER} phone",
        employee_id=employee.id,
        site_id=site.id,
    )
    db.session.add(device)
    db.session.flush()
    db.session.add(
        FunctionKey(
            tenant_id=b.id,
            device_id=device.id,
            position=1,
            kind=KeyKind.BLF,
            target_employee_id=employee.id,
            label=f"{MARKER} key",
        )
    )
    unrecognised = UnrecognisedDevice(tenant_id=b.id, mac="0004139e9e9e", vendor="snom",
                                      model="D785", user_agent=f"{MARKER} phone")
    db.session.add(unrecognised)
    contact = Contact(tenant_id=b.id, last_name=f"{MARKER} contact", owner_account_id=account.id)
    contact.numbers = [ContactNumber(tenant_id=b.id, kind="office", number="+4930999000222")]
    contact.memberships = [ContactGroupMember(tenant_id=b.id, group_id=group.id)]
    db.session.add(contact)
    db.session.commit()
    return {
        "unrecognised_id": unrecognised.id,
        "tenant_id": b.id,
        "account_id": account.id,
        "employee_id": employee.id,
        "number_id": number.id,
        "site_id": site.id,
        "network_id": network.id,
        "device_id": device.id,
        "group_id": group.id,
        "contact_id": contact.id,
    }


def _snapshot(tenant_id: int) -> str:
    rows = []
    for model in (
        Tenant,
        Account,
        Site,
        ContactGroup,
        PhoneNumber,
        Network,
        Employee,
        SipAccount,
        Device,
        FunctionKey,
        UnrecognisedDevice,
        Contact,
        ContactNumber,
        ContactGroupMember,
    ):
        column = model.id if model is Tenant else model.tenant_id
        for obj in db.session.execute(select(model).where(column == tenant_id)).scalars():
            db.session.refresh(obj)
            rows.append(repr({c.key: getattr(obj, c.key) for c in model.__table__.columns}))
    return "\n".join(sorted(rows))


def _api_rules(app):
    return [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/")]


def test_every_id_parameter_has_a_scope_rule(app):
    for rule in _api_rules(app):
        for name in rule.arguments:
            if name.endswith("_id"):
                assert name in id_parameters(), f"{rule.rule}: {name} is not tenant-scoped"


@pytest.mark.parametrize("role", [Role.SUPERADMIN, Role.USER])
def test_another_tenants_objects_are_404_on_every_route_and_change_nothing(app, client, role):
    ids = _other_tenant()
    before = _snapshot(ids["tenant_id"])
    headers = headers_for(make_account(role, make_tenant()))
    walked = 0
    for rule in _api_rules(app):
        if not rule.arguments:
            continue
        values = {**OTHER_PARAMETERS, **ids}
        url = rule.build({name: values[name] for name in rule.arguments}, append_unknown=False)[1]
        for method in METHODS:
            if method not in rule.methods:
                continue
            r = client.open(url, method=method, headers=headers, json={})
            assert r.status_code == 404, (
                f"{method} {url}: {r.status_code} {r.get_data(as_text=True)[:200]}"
            )
            assert MARKER not in r.get_data(as_text=True)
            walked += 1
    assert walked >= 20
    db.session.expire_all()
    assert _snapshot(ids["tenant_id"]) == before


def test_no_list_shows_another_tenants_objects(app, client):
    ids = _other_tenant()
    a = make_tenant()
    headers = headers_for(make_account(Role.SUPERADMIN, a))
    listed = 0
    for rule in _api_rules(app):
        if rule.arguments or "GET" not in rule.methods or rule.rule.endswith("openapi.json"):
            continue
        for query in ("", f"?tenant_id={ids['tenant_id']}", f"?q={MARKER}"):
            r = client.get(rule.rule + query, headers=headers)
            assert r.status_code in (200, 403, 404, 422), f"GET {rule.rule}{query}: {r.status_code}"
            assert MARKER not in r.get_data(as_text=True), f"GET {rule.rule}{query} leaks tenant B"
            listed += 1
    assert listed >= 6
