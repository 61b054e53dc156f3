"""Phone numbers: operators add them to a tenant and remove them; a tenant's admins run their
lifecycle (activate, deactivate with a termination date, reactivate, exchange).

A number's status: inactive -> active -> pending_deactivation (until its termination date, when
``terminate_due_numbers`` makes it inactive) -> inactive. Only an active number can be newly
assigned as someone's personal number.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, exists, select

from provisioning.common.api import get_owned, resolve_tenant_id, tenant_filter
from provisioning.common.models import utcnow
from provisioning.devices.models import FunctionKey
from provisioning.employees.models import Employee
from provisioning.errors import Conflict, NotFound, ValidationFailed
from provisioning.extensions import db
from provisioning.numbers.models import NumberStatus, PhoneNumber

ACTIVE, INACTIVE, PENDING = (NumberStatus.ACTIVE, NumberStatus.INACTIVE,
                             NumberStatus.PENDING_DEACTIVATION)


def visible_numbers(args: dict[str, Any]) -> Select:
    stmt = tenant_filter(select(PhoneNumber), PhoneNumber).order_by(PhoneNumber.e164)
    if args.get("status"):
        stmt = stmt.where(PhoneNumber.status == args["status"])
    if args.get("q"):
        # Digits are what people type; '+49 30' finds '+4930...'.
        digits = "".join(c for c in args["q"] if c.isdigit())
        stmt = stmt.where(PhoneNumber.e164.contains(digits, autoescape=True))
    if args.get("assigned") is not None:
        held = exists().where(Employee.personal_number_id == PhoneNumber.id)
        stmt = stmt.where(held if args["assigned"] else ~held)
    return stmt


def get_number(number_id: int) -> PhoneNumber:
    return get_owned(PhoneNumber, number_id, "number")


def add_number(data: dict[str, Any]) -> PhoneNumber:
    tenant_id = resolve_tenant_id(data.get("tenant_id"))
    taken = db.session.execute(
        select(PhoneNumber.id).where(PhoneNumber.e164 == data["e164"])
    ).scalar_one_or_none()
    if taken is not None:
        # Whoever holds it, the answer is the same: another tenant's numbers are none of ours.
        raise Conflict("This number is already registered on this platform",
                       error_id="number_exists", details={"e164": data["e164"]})
    number = PhoneNumber(tenant_id=tenant_id, e164=data["e164"], status=INACTIVE,
                         settings=data.get("settings") or {})
    db.session.add(number)
    db.session.flush()
    return number


def remove_number(number: PhoneNumber) -> None:
    if number.status is not INACTIVE or number.holder is not None:
        raise Conflict("Only an inactive number that nobody holds can be removed",
                       error_id="number_in_use",
                       details={"status": number.status.value,
                                "employee_id": number.holder.id if number.holder else None})
    db.session.delete(number)
    db.session.flush()


def update_settings(number: PhoneNumber, settings: dict[str, Any]) -> PhoneNumber:
    number.settings = settings
    db.session.flush()
    return number


def _require_status(number: PhoneNumber, allowed: set[NumberStatus], doing: str) -> None:
    if number.status not in allowed:
        raise Conflict(
            f"A number that is {number.status.value} cannot be {doing}",
            error_id="invalid_status",
            details={"status": number.status.value, "allowed": sorted(s.value for s in allowed)},
        )


def activate(number: PhoneNumber) -> PhoneNumber:
    _require_status(number, {INACTIVE}, "activated")
    number.status = ACTIVE
    number.termination_date = None
    db.session.flush()
    return number


def deactivate(number: PhoneNumber, termination_date: dt.date) -> PhoneNumber:
    """The number keeps working until its termination date (inclusive); a pending number may be
    given another date."""
    _require_status(number, {ACTIVE, PENDING}, "deactivated")
    today = utcnow().date()
    if termination_date < today:
        raise ValidationFailed(
            "The termination date must be today or later",
            details={"fields": {"termination_date": [f"not before {today.isoformat()}"]}},
        )
    number.status = PENDING
    number.termination_date = termination_date
    db.session.flush()
    return number


def reactivate(number: PhoneNumber) -> PhoneNumber:
    _require_status(number, {PENDING, INACTIVE}, "reactivated")
    number.status = ACTIVE
    number.termination_date = None
    db.session.flush()
    return number


def exchange(number: PhoneNumber, replacement_id: int) -> dict[str, Any]:
    """An inactive number of the same tenant takes the place of one in service: as personal
    number and as function-key target. The old number becomes inactive and loses its settings
    (the operator's portal warns of exactly this)."""
    _require_status(number, {ACTIVE, PENDING}, "exchanged")
    replacement = get_number(replacement_id)
    if replacement.tenant_id != number.tenant_id:
        raise NotFound("replacement number")
    if replacement.id == number.id:
        raise ValidationFailed("A number cannot replace itself",
                               details={"fields": {"replacement_id": ["the same number"]}})
    if replacement.status is not INACTIVE:
        raise Conflict("Only an inactive number can take another's place",
                       error_id="replacement_not_inactive",
                       details={"status": replacement.status.value})

    moved: list[int] = []
    holder = number.holder
    if holder is not None:
        holder.personal_number = replacement
        moved.append(holder.id)
    keys = db.session.execute(select(FunctionKey).where(
        FunctionKey.tenant_id == number.tenant_id, FunctionKey.target_number == number.e164,
    ).order_by(FunctionKey.id)).scalars().all()
    for key in keys:
        key.target_number = replacement.e164

    dropped = dict(number.settings or {})
    replacement.status, replacement.termination_date = ACTIVE, None
    number.status, number.termination_date, number.settings = INACTIVE, None, {}
    db.session.flush()
    return {"number": replacement, "replaced": number, "dropped_settings": dropped,
            "moved_employee_ids": moved, "retargeted_function_key_ids": [k.id for k in keys]}


def number_for_assignment(e164: str, tenant_id: int) -> PhoneNumber:
    """The number an employee of the tenant may take as personal number, or the reason why not
    (another tenant's number does not exist for the caller)."""
    number = db.session.execute(
        select(PhoneNumber).where(PhoneNumber.e164 == e164, PhoneNumber.tenant_id == tenant_id)
    ).scalar_one_or_none()
    if number is None:
        raise NotFound("number", details={"personal_number": e164})
    if number.status is not ACTIVE:
        raise ValidationFailed(
            f"Only an active number can be assigned; {e164} is {number.status.value}",
            error_id="number_not_active", details={"personal_number": e164,
                                                   "status": number.status.value},
        )
    return number


def terminate_due_numbers(today: dt.date) -> int:
    """Daily: every number pending deactivation whose termination date lies before ``today``
    becomes inactive. Its employee loses it as personal number and their SIP account is
    disabled (it cannot call without a number). Returns how many numbers were terminated."""
    due = db.session.execute(select(PhoneNumber).where(
        PhoneNumber.status == PENDING, PhoneNumber.termination_date < today,
    ).order_by(PhoneNumber.id)).scalars().all()
    for number in due:
        holder = number.holder
        if holder is not None:
            holder.personal_number = None
            if holder.sip_account is not None:
                holder.sip_account.enabled = False
        number.status, number.termination_date = INACTIVE, None
    db.session.flush()
    return len(due)
