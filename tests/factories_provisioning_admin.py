"""Factories for what phones leave behind: fetches (history) and unrecognised phones. They
commit, like tests/factories.py."""

from __future__ import annotations

import datetime as dt
import itertools

from provisioning.common.models import utcnow
from provisioning.devices.models import Device
from provisioning.extensions import db
from provisioning.phones.models import DeviceFetch, UnrecognisedDevice
from provisioning.tenants.models import Tenant

_seq = itertools.count(1)


def make_unrecognised(tenant: Tenant, **overrides) -> UnrecognisedDevice:
    n = next(_seq)
    values = {"tenant_id": tenant.id, "mac": f"00156500{n:04x}", "vendor": "yealink",
              "model": "T54W", "firmware": "96.86.0.100",
              "user_agent": f"Yealink SIP-T54W 96.86.0.100 00:15:65:00:{n // 256:02x}:"
                            f"{n % 256:02x}",
              "addr": "192.0.2.10", "last_seen": utcnow()}
    values.update(overrides)
    row = UnrecognisedDevice(**values)
    db.session.add(row)
    db.session.commit()
    return row


def make_fetch(device: Device, minutes_ago: int = 0, **overrides) -> DeviceFetch:
    values = {"device_id": device.id, "tenant_id": device.tenant_id,
              "at": utcnow() - dt.timedelta(minutes=minutes_ago), "filename": f"{device.mac}.xml",
              "protocol": "https", "addr": "192.0.2.20", "status": 200, "version": "v-old",
              "credentials": True}
    values.update(overrides)
    fetch = DeviceFetch(**values)
    db.session.add(fetch)
    db.session.commit()
    return fetch



def settle() -> None:
    """Run the keeper, as a started service would: devices made by the factories are rendered
    and their device_status written.

    Needed because phones.invalidation renders in ``before_commit``, which SQLAlchemy runs
    before the commit's own flush: rows a factory only adds and commits are not rendered by
    that commit (API services flush first, so requests are not affected)."""
    from provisioning.phones.keeper import sync_store

    sync_store()
