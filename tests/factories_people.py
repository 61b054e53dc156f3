"""Factories for employees, phone numbers and SIP accounts; they commit, like tests/factories.py."""

from __future__ import annotations

import itertools

from provisioning.employees.models import Employee
from provisioning.extensions import db
from provisioning.numbers.models import NumberStatus, PhoneNumber
from provisioning.sip.service import ensure_sip_account
from provisioning.tenants.models import Tenant

_seq = itertools.count(1)


def make_number(tenant: Tenant, e164: str | None = None,
                status: NumberStatus | str = NumberStatus.ACTIVE, **overrides) -> PhoneNumber:
    values = {"tenant_id": tenant.id, "e164": e164 or f"+4930555{next(_seq):05d}",
              "status": NumberStatus(status), "settings": {}}
    values.update(overrides)
    number = PhoneNumber(**values)
    db.session.add(number)
    db.session.commit()
    return number


def make_employee(tenant: Tenant, number: PhoneNumber | None = None, *, telephony: bool = True,
                  **overrides) -> Employee:
    """A telephoning employee gets an active number of the tenant (made if not given) and a SIP
    account, as the API would do."""
    if telephony and number is None:
        number = make_number(tenant)
    values = {"tenant_id": tenant.id, "display_name": f"Employee {next(_seq)}",
              "telephony": telephony, "personal_number": number}
    values.update(overrides)
    employee = Employee(**values)
    db.session.add(employee)
    if telephony:
        ensure_sip_account(employee)
    db.session.commit()
    return employee
