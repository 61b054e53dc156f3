"""Registration status and re-sync, read live from the SIP core.

A list is answered from one bulk call (``registrations``: Kamailio's ``ul.dump``), one device or
employee from one lookup. The core being down is not an error of the request: the state is
"unknown" with the reason, and the answer comes within the RPC timeout.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pbx.contacts import Match, contact_host, match_device
from pbx.core import Contact, CoreUnavailable
from provisioning.common.api import paginate
from provisioning.devices import service as devices
from provisioning.devices.models import Device
from provisioning.employees.models import Employee
from provisioning.errors import Conflict, ServiceUnavailable
from provisioning.extensions import db
from provisioning.journal.recorder import record
from provisioning.phones.models import DeviceStatus
from provisioning.sip.models import SipAccount
from provisioning.sipcore.core import sip_core

REGISTERED, NOT_REGISTERED, UNKNOWN, NO_ACCOUNT = (
    "registered", "not_registered", "unknown", "no_account")

Lookup = Callable[[str], list[Contact]]


def aor_of(employee: Employee | None) -> str | None:
    account = employee.sip_account if employee is not None else None
    if account is None or not account.enabled:
        return None
    return f"{account.username}@{account.domain}"


def _source(contact: Contact) -> str | None:
    uri = contact.source or contact.address
    if not uri:
        return None
    host = contact_host(contact)
    port = uri.split(";", 1)[0].rsplit(":", 1)[-1]
    return f"{host}:{port}" if port.isdigit() else host


def _contact_view(match: Match, device_id: int | None = None) -> dict[str, Any]:
    c = match.contact
    return {
        "contact": c.address,
        "source_address": _source(c),
        "transport": c.transport,
        "behind_nat": c.nated,
        "user_agent": c.user_agent,
        "expires_at": c.expires_at,
        "is_assigned_device": match.is_device,
        "matched_by": match.matched_by,
        "device_id": device_id,
    }


def _live(lookup: Lookup, aor: str) -> tuple[list[Contact] | None, str | None]:
    try:
        return lookup(aor), None
    except CoreUnavailable as exc:
        return None, str(exc)


def _core_lookup() -> tuple[Lookup | None, str | None]:
    core = sip_core()
    if core is None:
        return None, "no SIP core is configured"
    return core.contacts_of, None


def device_state(device: Device, lookup: Lookup | None, reason: str | None,
                 status: DeviceStatus | None) -> dict[str, Any]:
    aor = aor_of(device.employee)
    out: dict[str, Any] = {
        "device_id": device.id, "mac": device.mac, "vendor": device.vendor,
        "model": device.model, "employee_id": device.employee_id, "aor": aor,
        "state": NO_ACCOUNT, "reason": None, "registered": None,
        "assigned_device_registered": None, "contacts": [],
        "config_current": (None if status is None or status.fetched_version is None
                           else status.fetched_version == status.rendered_version),
    }
    if aor is None:
        out["reason"] = ("no enabled SIP account: the device is not assigned to a telephoning "
                         "employee")
        return out
    contacts, error = _live(lookup, aor) if lookup is not None else (None, reason)
    if contacts is None:
        out.update(state=UNKNOWN, reason=error)
        return out
    matches = match_device(contacts, device.mac, status.last_seen_addr if status else None)
    out["contacts"] = [_contact_view(m, device.id if m.is_device else None) for m in matches]
    out["registered"] = bool(contacts)
    out["state"] = REGISTERED if contacts else NOT_REGISTERED
    if any(m.is_device for m in matches):
        out["assigned_device_registered"] = True
    elif all(m.is_device is False for m in matches):
        out["assigned_device_registered"] = False  # nobody, or only other phones, registered
    return out


def _status(device_id: int) -> DeviceStatus | None:
    return db.session.get(DeviceStatus, device_id)


def device_registration(device: Device) -> dict[str, Any]:
    lookup, reason = _core_lookup()
    return device_state(device, lookup, reason, _status(device.id))


def registration_page(args: dict[str, Any]) -> dict[str, Any]:
    """A page of the caller's devices with their registration state: one bulk call."""
    # Each device needs its employee's SIP account and the tenant's domain: load them with the
    # page (three queries) instead of three lazy loads per device.
    stmt = devices.list_devices(args).options(
        selectinload(Device.employee).selectinload(Employee.sip_account)
        .selectinload(SipAccount.tenant))
    page = paginate(stmt, args)
    items: Sequence[Device] = page["items"]
    core = sip_core()
    lookup: Lookup | None = None
    reason = "no SIP core is configured" if core is None else None
    if core is not None and items:
        try:
            everything = core.registrations()
            lookup = lambda aor: everything.get(aor, [])  # noqa: E731
        except CoreUnavailable as exc:
            reason = str(exc)
    ids = [d.id for d in items]
    statuses = {s.device_id: s for s in db.session.execute(
        select(DeviceStatus).where(DeviceStatus.device_id.in_(ids))).scalars()} if ids else {}
    page["items"] = [device_state(d, lookup, reason, statuses.get(d.id)) for d in items]
    return page


def employee_registration(employee: Employee) -> dict[str, Any]:
    """Every contact of the employee's account, each said to be one of their devices or not."""
    aor = aor_of(employee)
    out: dict[str, Any] = {"employee_id": employee.id, "aor": aor, "state": NO_ACCOUNT,
                           "reason": None, "registered": None, "contacts": []}
    if aor is None:
        out["reason"] = "no enabled SIP account"
        return out
    lookup, reason = _core_lookup()
    contacts, error = _live(lookup, aor) if lookup is not None else (None, reason)
    if contacts is None:
        out.update(state=UNKNOWN, reason=error)
        return out
    own = db.session.execute(select(Device).where(Device.employee_id == employee.id)).scalars()
    views = {i: _contact_view(Match(c, None, None)) for i, c in enumerate(contacts)}
    for device in own:
        for i, m in enumerate(match_device(contacts, device.mac)):
            if m.is_device and m.matched_by == "mac":
                views[i] = _contact_view(m, device.id)
    out["contacts"] = [views[i] for i in range(len(contacts))]
    out["registered"] = bool(contacts)
    out["state"] = REGISTERED if contacts else NOT_REGISTERED
    return out


def device_targets(device: Device, contacts: list[Contact],
                   status: DeviceStatus | None = None) -> list[Contact]:
    """The contacts that are this device: never the other phones on the same account."""
    status = status or _status(device.id)
    matches = match_device(contacts, device.mac, status.last_seen_addr if status else None)
    return [m.contact for m in matches if m.is_device]


def resync_device(device: Device) -> dict[str, Any]:
    """NOTIFY check-sync to each registered contact of this device, now; waits for the answers."""
    core = sip_core()
    if core is None:
        raise ServiceUnavailable("No SIP core is configured", error_id="sip_core_unavailable")
    aor = aor_of(device.employee)
    if aor is None:
        raise Conflict("The device has no enabled SIP account", error_id="device_not_registered")
    try:
        targets = device_targets(device, core.contacts_of(aor))
        if not targets:
            raise Conflict("No registration of this device is known: it registers with its "
                           "MAC in the User-Agent or from the address it fetched its "
                           "configuration from", error_id="device_not_registered")
        results = [core.resync(contact, device.vendor, wait=True) for contact in targets]
    except CoreUnavailable as exc:
        raise ServiceUnavailable(f"The SIP core did not answer: {exc}",
                                 error_id="sip_core_unavailable") from exc
    record(db.session, action="resync_device", object_type="devices", object_id=device.id,
           tenant_id=device.tenant_id, changes={"contacts": [r.contact for r in results]})
    return {"device_id": device.id, "sent_at": dt.datetime.now(dt.UTC).replace(microsecond=0),
            "notified": [{"contact": r.contact, "code": r.code, "reason": r.reason}
                         for r in results]}
