"""Devices: which phone (by MAC) belongs to which tenant, site, employee and phonebook.

A MAC is unique across all tenants. Whoever tries to register one that is taken gets the same
answer whether it is taken in their own tenant or another one: a tenant never learns about
another. Only an operator moves a device between tenants.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.exc import IntegrityError

from provisioning.accounts.models import Role
from provisioning.common.api import get_owned, paginate, resolve_tenant_id
from provisioning.contacts.models import ContactGroup
from provisioning.context import current_actor
from provisioning.devices.models import Device, PhonebookMode
from provisioning.employees.models import Employee
from provisioning.errors import Conflict, NotFound, ValidationFailed
from provisioning.extensions import db
from provisioning.journal.recorder import record
from provisioning.phones.models import DeviceStatus
from provisioning.sites.models import Site
from provisioning.sites.service import in_tenant, scoped
from provisioning.tenants.models import Tenant

MAC_TAKEN = "This MAC address is already registered"


def _own_employee_ids() -> Select:
    """A user's devices are those assigned to the employee linked to their account."""
    return select(Employee.id).where(Employee.account_id == (current_actor().account_id or -1))


def list_devices(args: dict[str, Any]) -> Select:
    stmt = scoped(select(Device).order_by(Device.id), Device, args)
    if current_actor().role == Role.USER.value:
        stmt = stmt.where(Device.employee_id.in_(_own_employee_ids()))
    if args.get("q"):
        matches = [Device.label.ilike(f"%{args['q']}%")]
        # MACs are stored as 12 hex digits: search them in that form, whatever was typed
        mac_part = "".join(c for c in args["q"].lower() if c not in ":-. ")
        if mac_part:
            matches.append(Device.mac.like(f"%{mac_part}%"))
        stmt = stmt.where(or_(*matches))
    for key in ("vendor", "site_id", "employee_id"):
        if args.get(key) is not None:
            stmt = stmt.where(getattr(Device, key) == args[key])
    if args.get("assigned") is not None:
        column = Device.employee_id
        stmt = stmt.where(column.is_not(None) if args["assigned"] else column.is_(None))
    if args.get("stale") is not None:
        stmt = stmt.outerjoin(DeviceStatus, DeviceStatus.device_id == Device.id).where(
            _stale_condition(bool(args.get("include_never_fetched")))
            if args["stale"] else _current_condition())
    return stmt


def _stale_condition(include_never_fetched: bool) -> ColumnElement[bool]:
    fetched, rendered = DeviceStatus.fetched_version, DeviceStatus.rendered_version
    stale = and_(fetched.is_not(None), or_(rendered.is_(None), fetched != rendered))
    return or_(stale, fetched.is_(None)) if include_never_fetched else stale


def _current_condition() -> ColumnElement[bool]:
    fetched = DeviceStatus.fetched_version
    return and_(fetched.is_not(None), fetched == DeviceStatus.rendered_version)


def device_page(args: dict[str, Any]) -> dict[str, Any]:
    """A page of devices with their provisioning state: one query for the page's statuses,
    not one per device."""
    page = paginate(list_devices(args), args)
    ids = [device.id for device in page["items"]]
    statuses = {s.device_id: s for s in db.session.execute(
        select(DeviceStatus).where(DeviceStatus.device_id.in_(ids))).scalars()} if ids else {}
    for device in page["items"]:
        device._provisioning_status = statuses.get(device.id)  # type: ignore[attr-defined]
    return page


def provisioning_state(device: Device) -> dict[str, Any]:
    """What the phone last fetched against what is rendered now. ``stale``: the phone fetched
    and runs another version (a phone that never fetched is not stale; see the list filter)."""
    if hasattr(device, "_provisioning_status"):
        status = device._provisioning_status  # type: ignore[attr-defined]
    else:
        status = db.session.get(DeviceStatus, device.id)
    if status is None:
        return {"rendered_version": None, "fetched_version": None, "fetched_at": None,
                "last_seen_at": None, "last_seen_addr": None, "last_firmware": None,
                "last_user_agent": None, "stale": False}
    return {
        "rendered_version": status.rendered_version,
        "fetched_version": status.fetched_version,
        "fetched_at": _iso(status.fetched_at),
        "last_seen_at": _iso(status.last_seen_at),
        "last_seen_addr": status.last_seen_addr,
        "last_firmware": status.last_firmware,
        "last_user_agent": status.last_user_agent,
        "stale": status.fetched_version is not None
        and status.fetched_version != status.rendered_version,
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def get_device(device_id: int) -> Device:
    device = get_owned(Device, device_id, "device")
    actor = current_actor()
    if actor.role == Role.USER.value:
        holder = device.employee
        if holder is None or holder.account_id != actor.account_id:
            raise NotFound("device")
    return device


def _check_mac_free(mac: str, device_id: int | None) -> None:
    taken = db.session.execute(
        select(Device.id).where(Device.mac == mac, Device.id != (device_id or -1))
    ).first()
    if taken:
        raise Conflict(MAC_TAKEN, error_id="mac_taken", details={"mac": mac})


def _flush() -> None:
    """Flush; a MAC registered concurrently (the unique index) gets the same 409 as above."""
    try:
        db.session.flush()
    except IntegrityError as exc:
        if "mac" in str(exc.orig).lower():
            raise Conflict(MAC_TAKEN, error_id="mac_taken") from exc
        raise


def _check_phonebook(tenant_id: int, mode: PhonebookMode, group_id: int | None) -> None:
    if mode is PhonebookMode.GROUP:
        if group_id is None:
            raise ValidationFailed("phonebook_mode 'group' needs a phonebook_group_id",
                                   details={"fields": {"phonebook_group_id": ["required"]}})
        in_tenant(ContactGroup, group_id, tenant_id, "contact group")
    elif group_id is not None:
        raise ValidationFailed("a phonebook group is only given with phonebook_mode 'group'",
                               details={"fields": {"phonebook_group_id": ["must be null"]}})


def create_device(data: dict[str, Any]) -> Device:
    data = dict(data)
    tenant_id = resolve_tenant_id(data.pop("tenant_id", None))
    _check_mac_free(data["mac"], None)
    in_tenant(Site, data.get("site_id"), tenant_id, "site")
    in_tenant(Employee, data.get("employee_id"), tenant_id, "employee")
    data.setdefault("phonebook_mode", PhonebookMode.ALL)
    _check_phonebook(tenant_id, data["phonebook_mode"], data.get("phonebook_group_id"))
    device = Device(tenant_id=tenant_id, **data)
    db.session.add(device)
    _flush()
    return device


def update_device(device: Device, data: dict[str, Any]) -> Device:
    if "mac" in data and data["mac"] != device.mac:
        _check_mac_free(data["mac"], device.id)
    if "site_id" in data:
        in_tenant(Site, data["site_id"], device.tenant_id, "site")
    if "employee_id" in data:
        in_tenant(Employee, data["employee_id"], device.tenant_id, "employee")
    if "phonebook_mode" in data or "phonebook_group_id" in data:
        mode = data.get("phonebook_mode", device.phonebook_mode)
        if mode is not PhonebookMode.GROUP and "phonebook_group_id" not in data:
            data["phonebook_group_id"] = None  # leaving group mode forgets the group
        group_id = data.get("phonebook_group_id", device.phonebook_group_id)
        _check_phonebook(device.tenant_id, mode, group_id)
    for key, value in data.items():
        setattr(device, key, value)
    _flush()
    return device


def delete_device(device: Device) -> None:
    db.session.delete(device)
    db.session.flush()


def assign_device(device: Device, employee_id: int) -> dict[str, Any]:
    """Give the device to an employee. If another employee held it, it moves, and the answer
    says from whom (one employee may hold several devices)."""
    employee = in_tenant(Employee, employee_id, device.tenant_id, "employee")
    assert employee is not None
    previous = device.employee
    moved_from = previous.id if previous is not None and previous.id != employee.id else None
    device.employee_id = employee.id
    db.session.flush()
    db.session.expire(device, ["employee"])
    if moved_from is not None:
        message = (f"The device was moved from {previous.display_name} "  # type: ignore[union-attr]
                   f"to {employee.display_name}")
    else:
        message = f"The device is assigned to {employee.display_name}"
    return {"device": device, "moved_from_employee_id": moved_from, "message": message}


def unassign_device(device: Device) -> Device:
    device.employee_id = None
    db.session.flush()
    return device


def move_device(device: Device, tenant_id: int) -> Device:
    """Operators only: hand the device to another tenant. Nothing of the old tenant goes with
    it (employee, site, phonebook group, keys); it receives the new tenant's whole phonebook,
    like a new device."""
    if db.session.get(Tenant, tenant_id) is None:
        raise NotFound("tenant")
    old_tenant = device.tenant_id
    if old_tenant == tenant_id:
        raise ValidationFailed("The device belongs to this tenant already",
                               details={"fields": {"tenant_id": ["same tenant"]}})
    device.keys.clear()
    db.session.flush()
    device.tenant_id = tenant_id
    device.employee_id = None
    device.site_id = None
    device.phonebook_group_id = None
    device.phonebook_mode = PhonebookMode.ALL
    # The ORM journals the change in the new tenant's journal; the old tenant's journal says
    # the device left, without naming where to.
    record(db.session(), action="move_out", object_type="devices", object_id=device.id,
           tenant_id=old_tenant, changes={"mac": device.mac})
    db.session.flush()
    db.session.expire(device, ["employee"])
    return device

