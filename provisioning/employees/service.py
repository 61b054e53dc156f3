"""Employees: the people of a tenant. One who telephones holds exactly one personal number (an
active number of the tenant that nobody else holds) and has a SIP account.

A user (role ``user``) sees only the employee linked to their own account and changes nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from provisioning.accounts.models import Account
from provisioning.common.api import resolve_tenant_id, tenant_filter
from provisioning.context import current_actor
from provisioning.employees.models import Employee
from provisioning.errors import Conflict, NotFound, ValidationFailed
from provisioning.extensions import db
from provisioning.numbers.service import number_for_assignment
from provisioning.sip.service import ensure_sip_account, remove_sip_account
from provisioning.sites.models import Site


def visible_employees(args: dict[str, Any] | None = None) -> Select:
    stmt = tenant_filter(select(Employee), Employee).order_by(Employee.display_name, Employee.id)
    actor = current_actor()
    if actor.role == "user":
        stmt = stmt.where(Employee.account_id == (actor.account_id or -1))
    if args and args.get("q"):
        stmt = stmt.where(Employee.display_name.icontains(args["q"], autoescape=True))
    return stmt


def get_employee(employee_id: int) -> Employee:
    employee = db.session.execute(
        visible_employees().where(Employee.id == employee_id)
    ).scalar_one_or_none()
    if employee is None:
        raise NotFound("employee")
    return employee


def _check_account(employee: Employee, account_id: int | None) -> None:
    if account_id is None:
        return
    account = db.session.get(Account, account_id)
    if account is None or account.tenant_id != employee.tenant_id:
        raise NotFound("account", details={"account_id": account_id})
    other = db.session.execute(select(Employee.id).where(
        Employee.account_id == account_id, Employee.id != employee.id,
    )).scalar_one_or_none()
    if other is not None:
        raise Conflict("This account already belongs to another employee",
                       error_id="account_taken", details={"account_id": account_id})


def _check_site(employee: Employee, site_id: int | None) -> None:
    if site_id is None:
        return
    site = db.session.get(Site, site_id)
    if site is None or site.tenant_id != employee.tenant_id:
        raise NotFound("site", details={"site_id": site_id})


def _assign_number(employee: Employee, e164: str | None) -> None:
    if e164 is None:
        employee.personal_number = None
        return
    if employee.personal_number is not None and employee.personal_number.e164 == e164:
        return
    number = number_for_assignment(e164, employee.tenant_id)
    if number.holder is not None and number.holder is not employee:
        raise Conflict(f"{e164} is already another employee's personal number",
                       error_id="number_taken", details={"personal_number": e164})
    employee.personal_number = number


def _settle_telephony(employee: Employee) -> None:
    """Telephoning needs a number and brings a SIP account; not telephoning removes the account."""
    if employee.telephony:
        if employee.personal_number is None:
            raise ValidationFailed(
                "An employee who telephones needs a personal number",
                error_id="personal_number_required",
                details={"fields": {"personal_number": ["required when telephony is true"]}},
            )
        ensure_sip_account(employee)
    else:
        remove_sip_account(employee)


def _apply(employee: Employee, data: dict[str, Any]) -> None:
    if "account_id" in data:
        _check_account(employee, data["account_id"])
        employee.account_id = data["account_id"]
    if "site_id" in data:
        _check_site(employee, data["site_id"])
        employee.site_id = data["site_id"]
    if "display_name" in data:
        employee.display_name = data["display_name"]
    if "telephony" in data:
        employee.telephony = data["telephony"]
    if "personal_number" in data:
        _assign_number(employee, data["personal_number"])


def create_employee(data: dict[str, Any]) -> Employee:
    employee = Employee(tenant_id=resolve_tenant_id(data.get("tenant_id")), telephony=True)
    # Not in the session yet: the checks' queries must not flush a half-built row.
    with db.session.no_autoflush:
        _apply(employee, data)
        _settle_telephony(employee)
    db.session.add(employee)
    db.session.flush()
    return employee


def update_employee(employee: Employee, data: dict[str, Any]) -> Employee:
    with db.session.no_autoflush:
        _apply(employee, data)
        # Only a change of telephony or number is held to the rule: an employee whose number was
        # terminated can still be renamed while an admin finds them a new one.
        if {"telephony", "personal_number"} & data.keys():
            _settle_telephony(employee)
    db.session.flush()
    return employee


def change_personal_number(employee: Employee, e164: str) -> Employee:
    """The freed number stays active and unassigned, ready for someone else."""
    with db.session.no_autoflush:
        _assign_number(employee, e164)
        if employee.telephony:
            ensure_sip_account(employee)
    db.session.flush()
    return employee


def delete_employee(employee: Employee) -> None:
    """Their SIP account goes with them; their number is freed and stays active."""
    remove_sip_account(employee)
    db.session.delete(employee)
    db.session.flush()
