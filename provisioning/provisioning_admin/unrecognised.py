"""Phones that asked a tenant's URL with a MAC the service does not know: an admin adopts one
(it becomes a device of the tenant, vendor and model as the phone said) or dismisses it. Nothing
is adopted automatically."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select

from provisioning.common.api import get_owned
from provisioning.devices import service as devices
from provisioning.devices.models import Device
from provisioning.devices.schemas import DeviceSchema
from provisioning.errors import ValidationFailed
from provisioning.extensions import db
from provisioning.journal.recorder import record
from provisioning.phones.models import UnrecognisedDevice
from provisioning.sites.service import scoped


def list_unrecognised(args: dict[str, Any]) -> Select:
    stmt = scoped(
        select(UnrecognisedDevice).order_by(
            UnrecognisedDevice.last_seen.desc(), UnrecognisedDevice.id.desc()),
        UnrecognisedDevice, args)
    if args.get("q"):
        mac_part = "".join(c for c in args["q"].lower() if c not in ":-. ")
        matches = [UnrecognisedDevice.user_agent.ilike(f"%{args['q']}%")]
        if mac_part:
            matches.append(UnrecognisedDevice.mac.like(f"%{mac_part}%"))
        stmt = stmt.where(or_(*matches))
    return stmt


def get_unrecognised(unrecognised_id: int) -> UnrecognisedDevice:
    return get_owned(UnrecognisedDevice, unrecognised_id, "unrecognised device")


def dismiss(row: UnrecognisedDevice) -> None:
    """Forget the phone. If it asks again it is listed again (it is not blocked)."""
    record(db.session, action="dismiss_unrecognised_device", object_type=row.__tablename__,
           object_id=row.id, tenant_id=row.tenant_id, changes={"mac": row.mac})
    db.session.delete(row)
    db.session.flush()


def adopt(row: UnrecognisedDevice, data: dict[str, Any]) -> Device:
    """Register the phone as a device of the row's tenant. A MAC registered meanwhile is the
    devices API's 409 mac_taken; the row then stays for the admin to dismiss."""
    body: dict[str, Any] = {
        "tenant_id": row.tenant_id,
        "mac": row.mac,
        "vendor": data.get("vendor") or row.vendor,
        "model": data.get("model") or row.model,
        **{k: data[k] for k in ("employee_id", "site_id", "label") if k in data},
    }
    body = {k: v for k, v in body.items() if v is not None or k in data}
    # What the phone said is untrusted input: held to the same rules as a typed-in device.
    errors = DeviceSchema().validate(body)
    if errors:
        raise ValidationFailed(
            "The phone did not say enough to register it; give vendor and model",
            details={"fields": errors},
        )
    device = devices.create_device(DeviceSchema().load(body))
    db.session.delete(row)
    db.session.flush()
    return device
