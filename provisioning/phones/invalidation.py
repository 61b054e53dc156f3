"""Every change that affects a device's files renders them once, in the same transaction.

After each flush the changed rows are noted (``after_flush``). Before the commit, the devices
they affect are worked out (a device's files depend on its employee and SIP account, the
colleagues on its keys, numbers, its site and its tenant), rendered, and their new version is
written to ``device_status`` with the change. After the commit the rendered files go into the
local render store; a rollback drops them. A change touching more than INLINE_LIMIT devices
(a tenant-wide one) leaves the rest to a background job, so a request stays fast.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event, inspect, or_, select
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

INLINE_LIMIT = 50
WATCHED = {
    "devices",
    "function_keys",
    "employees",
    "sip_accounts",
    "phone_numbers",
    "sites",
    "tenants",
    "networks",
    # phonebooks (phonebook_sync): devices of the tenant that receive one
    "contacts",
    "contact_numbers",
    "contact_group_members",
    "contact_groups",
}
PHONEBOOK_TABLES = frozenset({"contacts", "contact_numbers", "contact_group_members",
                              "contact_groups"})
_TOUCHED = "phones.touched"
_STAGED = "phones.staged"


def _note(session: Session, flush_context) -> None:
    touched = session.info.setdefault(_TOUCHED, set())
    for state, objs in (
        ("new", session.new),
        ("dirty", session.dirty),
        ("deleted", session.deleted),
    ):
        for obj in objs:
            table = getattr(obj, "__tablename__", None)
            if table not in WATCHED:
                continue
            if state == "dirty" and not session.is_modified(obj, include_collections=False):
                continue
            tenant_id = obj.id if table == "tenants" else getattr(obj, "tenant_id", None)
            extra = None
            if table == "devices":
                extra = obj.mac  # gone from the database by the time the commit is prepared
                old_macs = inspect(obj).attrs.mac.history.deleted
                if state == "dirty" and old_macs and old_macs[0] != obj.mac:
                    touched.add((table, obj.id, tenant_id, old_macs[0], True))
            elif table == "function_keys":
                extra = obj.device_id
            elif table == "sip_accounts":
                extra = obj.employee_id
            elif table == "phone_numbers":
                extra = obj.e164
            touched.add((table, obj.id, tenant_id, extra, state == "deleted"))


def affected(session: Session, touched: set) -> tuple[set[int], set[int], set[str]]:
    """(device ids to render, tenant ids whose record changed, MACs of deleted devices)."""
    from provisioning.models import Device, Employee, FunctionKey

    devices: set[int] = set()
    tenants: set[int] = set()
    removed: set[str] = set()
    employees: set[int] = set()
    numbers: set[str] = set()
    phonebook_tenants: set[int] = set()  # a contact changed: every phonebook of the tenant
    employee_tenants: set[int] = set()  # an employee changed: the phonebooks that list them
    for table, obj_id, tenant_id, extra, deleted in touched:
        if table in PHONEBOOK_TABLES and tenant_id is not None:
            phonebook_tenants.add(tenant_id)
        elif (table == "employees" or (table == "phone_numbers" and deleted)) and tenant_id:
            employee_tenants.add(tenant_id)
        if table == "devices":
            if deleted:
                removed.add(extra)
            else:
                devices.add(obj_id)
        elif table == "function_keys" and extra is not None:
            devices.add(extra)
        elif table == "employees":
            employees.add(obj_id)
        elif table == "sip_accounts" and extra is not None:
            employees.add(extra)
        elif table == "phone_numbers" and extra:
            numbers.add(extra)
        elif table == "sites":
            devices.update(
                session.execute(
                    select(Device.id).where(
                        or_(
                            Device.site_id == obj_id,
                            Device.employee_id.in_(
                                select(Employee.id).where(Employee.site_id == obj_id)
                            ),
                        )
                    )
                ).scalars()
            )
        elif table in ("tenants", "networks") and tenant_id is not None:
            tenants.add(tenant_id)
            if table == "tenants":
                devices.update(
                    session.execute(
                        select(Device.id).where(Device.tenant_id == tenant_id)
                    ).scalars()
                )
    from provisioning.numbers.models import PhoneNumber

    if numbers:
        employees.update(
            session.execute(
                select(Employee.id)
                .join(PhoneNumber, Employee.personal_number_id == PhoneNumber.id)
                .where(PhoneNumber.e164.in_(numbers))
            ).scalars()
        )
        devices.update(
            session.execute(
                select(FunctionKey.device_id).where(FunctionKey.target_number.in_(numbers))
            ).scalars()
        )
        employee_tenants.update(session.execute(
            select(Employee.tenant_id).join(PhoneNumber, Employee.personal_number_id
                                            == PhoneNumber.id)
            .where(PhoneNumber.e164.in_(numbers))).scalars())
    devices.update(_phonebook_devices(session, phonebook_tenants, employee_tenants))
    if employees:
        devices.update(
            session.execute(
                select(Device.id).where(
                    or_(
                        Device.employee_id.in_(employees),
                        Device.id.in_(
                            select(FunctionKey.device_id).where(
                                FunctionKey.target_employee_id.in_(employees)
                            )
                        ),
                    )
                )
            ).scalars()
        )
    return devices, tenants, removed


def _phonebook_devices(session: Session, contact_tenants: set[int],
                       employee_tenants: set[int]) -> set[int]:
    """Devices whose phonebook may have changed. Re-rendering one whose phonebook did not
    change costs a render and leaves its version as it was (so no re-sync either)."""
    from provisioning.models import Device, PhonebookMode

    found: set[int] = set()
    if contact_tenants:
        found.update(session.execute(select(Device.id).where(
            Device.tenant_id.in_(contact_tenants),
            Device.phonebook_mode != PhonebookMode.NONE)).scalars())
    if employee_tenants - contact_tenants:  # employees are only in the whole phonebook
        found.update(session.execute(select(Device.id).where(
            Device.tenant_id.in_(employee_tenants - contact_tenants),
            Device.phonebook_mode == PhonebookMode.ALL)).scalars())
    return found


def _before_commit(session: Session) -> None:
    # The commit's own flush comes after this hook: flush now, so that what was only added
    # (not yet flushed) is noted too.
    if session.new or session.dirty or session.deleted:
        session.flush()
    touched = session.info.pop(_TOUCHED, None)
    if (
        not touched
        or not has_app_context()
        or "provisioning.render_store" not in current_app.extensions
    ):
        return
    from provisioning.phones import rendering

    device_ids, tenant_ids, removed = affected(session, touched)
    inline = sorted(device_ids)[:INLINE_LIMIT]
    later = sorted(device_ids)[INLINE_LIMIT:]
    staged = session.info.setdefault(_STAGED, {"devices": [], "tenants": [], "removed": set()})
    staged["devices"].extend(rendering.render_devices(session, inline))
    staged["tenants"].extend(rendering.tenant_records(session, tenant_ids))
    staged["removed"] |= removed
    if later:
        rendering.schedule_render(session, later)


def _after_commit(session: Session) -> None:
    staged = session.info.pop(_STAGED, None)
    if not staged:
        return
    try:
        store = current_app.extensions["provisioning.render_store"]
        for mac in staged["removed"]:
            store.remove_device(mac)
        for tenant_id, record in staged["tenants"]:
            if record is None:
                store.remove_tenant(tenant_id)
            else:
                store.put_tenant(tenant_id, record)
        for stored, files in staged["devices"]:
            store.replace_device(stored, files)
    except Exception:  # noqa: BLE001 - the database is right; the keeper repairs the store
        log.exception("render store not updated after a commit; the keeper will catch up")


def _after_rollback(session: Session, *_args) -> None:
    session.info.pop(_STAGED, None)
    session.info.pop(_TOUCHED, None)


def install(session_class: Any) -> None:
    for name, fn in (
        ("after_flush", _note),
        ("before_commit", _before_commit),
        ("after_commit", _after_commit),
        ("after_soft_rollback", _after_rollback),
    ):
        if not event.contains(session_class, name, fn):
            event.listen(session_class, name, fn)
