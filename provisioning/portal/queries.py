"""Reads the pages need beside the services' own: the first rows of a service's query (for a
form's choices), and a few lookups for confirmation pages. No writes here."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from provisioning.devices.models import Device, FunctionKey
from provisioning.employees.models import Employee
from provisioning.extensions import db
from provisioning.numbers.models import PhoneNumber

CHOICES_MAX = 500  # a form offers this many numbers, sites, groups and accounts at most


def first(stmt: Select, limit: int = CHOICES_MAX) -> list[Any]:
    return list(db.session.execute(stmt.limit(limit)).scalars())


def devices_by_id(ids: list[int]) -> dict[int, Device]:
    """A page's devices with what a list shows of them, in one query each relation."""
    if not ids:
        return {}
    rows = db.session.execute(select(Device).where(Device.id.in_(ids)).options(
        selectinload(Device.employee), selectinload(Device.site),
        selectinload(Device.keys).selectinload(FunctionKey.target_employee))).scalars()
    return {d.id: d for d in rows}


def employee_names(tenant_id: int, limit: int = 2000) -> list[tuple[int, str]]:
    """Colleagues a device may go to or a key may watch (id, name), by name."""
    return [(row.id, row.display_name) for row in db.session.execute(
        select(Employee.id, Employee.display_name).where(Employee.tenant_id == tenant_id)
        .order_by(Employee.display_name, Employee.id).limit(limit))]


def keys_targeting(number: PhoneNumber) -> int:
    """How many function keys of the tenant dial this number (an exchange re-targets them)."""
    return int(db.session.execute(select(func.count()).select_from(FunctionKey).where(
        FunctionKey.tenant_id == number.tenant_id,
        FunctionKey.target_number == number.e164)).scalar_one())
