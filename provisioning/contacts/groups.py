"""Contact groups: a device may receive one group instead of the whole public phonebook."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from provisioning.common.api import get_owned, resolve_tenant_id
from provisioning.contacts.models import ContactGroup
from provisioning.devices.models import Device, PhonebookMode
from provisioning.errors import Conflict
from provisioning.extensions import db
from provisioning.sites.service import scoped


def list_groups(args: dict[str, Any]) -> Select:
    stmt = select(ContactGroup).order_by(ContactGroup.name, ContactGroup.id)
    stmt = scoped(stmt, ContactGroup, args)
    if args.get("q"):
        stmt = stmt.where(ContactGroup.name.ilike(f"%{args['q']}%"))
    return stmt


def get_group(group_id: int) -> ContactGroup:
    return get_owned(ContactGroup, group_id, "contact group")


def _check_name(tenant_id: int, name: str, group_id: int | None) -> None:
    taken = db.session.execute(
        select(ContactGroup.id).where(ContactGroup.tenant_id == tenant_id,
                                      ContactGroup.name == name,
                                      ContactGroup.id != (group_id or -1))
    ).first()
    if taken:
        raise Conflict("A contact group with this name exists already", error_id="name_taken",
                       details={"name": name})


def create_group(data: dict[str, Any]) -> ContactGroup:
    tenant_id = resolve_tenant_id(data.get("tenant_id"))
    _check_name(tenant_id, data["name"], None)
    group = ContactGroup(tenant_id=tenant_id, name=data["name"])
    db.session.add(group)
    db.session.flush()
    return group


def update_group(group: ContactGroup, data: dict[str, Any]) -> ContactGroup:
    if "name" in data:
        _check_name(group.tenant_id, data["name"], group.id)
        group.name = data["name"]
    db.session.flush()
    return group


def delete_group(group: ContactGroup) -> None:
    # A device that received only this group gets no phonebook rather than the whole one:
    # someone chose to limit what it shows. Done here (not by the foreign key) so that the
    # change is journaled and bumps the devices' versions.
    for device in db.session.execute(
        select(Device).where(Device.phonebook_group_id == group.id)
    ).scalars():
        device.phonebook_mode = PhonebookMode.NONE
        device.phonebook_group_id = None
    db.session.delete(group)
    db.session.flush()
