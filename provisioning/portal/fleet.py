"""The fleet at a glance, per site: how many phones are registered, not registered, of unknown
state (the SIP core did not answer), without a SIP account, running a stale configuration; and
how many unknown phones knock. Two queries and one bulk read of the SIP core, whatever the size
of the fleet."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from pbx.core import CoreUnavailable
from provisioning.common.api import tenant_filter
from provisioning.devices.models import Device
from provisioning.employees.models import Employee
from provisioning.extensions import db
from provisioning.phones.models import DeviceStatus, UnrecognisedDevice
from provisioning.sip.models import SipAccount
from provisioning.sipcore import service as sipcore
from provisioning.sipcore.core import sip_core
from provisioning.sites.models import Site
from provisioning.tenants.models import Tenant

STATES = (sipcore.REGISTERED, sipcore.NOT_REGISTERED, sipcore.UNKNOWN, sipcore.NO_ACCOUNT)


@dataclass
class SiteRow:
    name: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))
    stale: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Fleet:
    sites: list[SiteRow]
    unrecognised: int
    core_reason: str | None  # why the registration state is unknown, when it is


def _registrations() -> tuple[dict[str, Any] | None, str | None]:
    core = sip_core()
    if core is None:
        return None, "no SIP core is configured"
    try:
        return core.registrations(), None
    except CoreUnavailable as exc:
        return None, str(exc)


def fleet_summary() -> Fleet:
    rows = db.session.execute(tenant_filter(
        select(Device.site_id, Site.name, SipAccount.username, Tenant.sip_domain,
               SipAccount.enabled, DeviceStatus.fetched_version, DeviceStatus.rendered_version)
        .outerjoin(Site, Site.id == Device.site_id)
        .outerjoin(Employee, Employee.id == Device.employee_id)
        .outerjoin(SipAccount, SipAccount.employee_id == Employee.id)
        .outerjoin(Tenant, Tenant.id == SipAccount.tenant_id)
        .outerjoin(DeviceStatus, DeviceStatus.device_id == Device.id), Device)).all()
    registrations, reason = _registrations() if rows else ({}, None)
    sites: dict[int | None, SiteRow] = {}
    for site_id, site_name, username, domain, enabled, fetched, rendered in rows:
        row = sites.setdefault(site_id, SiteRow(site_name or ""))
        if username is None or not enabled:
            state = sipcore.NO_ACCOUNT
        elif registrations is None:
            state = sipcore.UNKNOWN
        else:
            # The same address of record as sipcore.service.aor_of
            contacts = registrations.get(f"{username}@{domain}")
            state = sipcore.REGISTERED if contacts else sipcore.NOT_REGISTERED
        row.counts[state] += 1
        row.stale += fetched is not None and fetched != rendered
    unrecognised = db.session.execute(tenant_filter(
        select(func.count()).select_from(UnrecognisedDevice), UnrecognisedDevice)).scalar_one()
    ordered = sorted(sites.values(), key=lambda r: (r.name == "", r.name.lower()))
    return Fleet(ordered, int(unrecognised), reason)


def chart(fleet: Fleet, width: int = 640, bar: int = 22, gap: int = 14,
          label_width: int = 150) -> dict[str, Any]:
    """Geometry of a horizontal stacked bar per site, drawn as inline SVG by the template:
    no chart library, nothing to load, readable without JavaScript."""
    longest = max([r.total for r in fleet.sites] + [1])
    scale = (width - label_width - 60) / longest
    bars = []
    for i, row in enumerate(fleet.sites):
        y = i * (bar + gap)
        x: float = label_width
        parts = []
        for state in STATES:
            w = row.counts[state] * scale
            if row.counts[state]:
                parts.append({"state": state, "x": round(x, 1), "w": round(max(w, 1), 1),
                              "count": row.counts[state]})
            x += w
        bars.append({"y": y, "name": row.name, "parts": parts, "total": row.total,
                     "end": round(x + 6, 1), "stale": row.stale})
    height = max(len(bars), 1) * (bar + gap)
    return {"width": width, "height": height, "bar": bar, "bars": bars}
