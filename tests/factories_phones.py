"""Phones for the phone-facing tests: real User-Agents (vendor-formats.md 2.3, 3.3), devices with
those MACs assigned to an employee, the tenant's URL, and a fixture that gives each test a fresh
worker state (tenant cache read every time, empty fetch buffer, no scan memory).

Rows are committed, like tests/factories.py.
"""

from __future__ import annotations

import pytest

from provisioning.crypto import secret_box
from provisioning.devices.models import Device
from provisioning.extensions import db
from provisioning.phones.configs import tenant_url_secret
from provisioning.phones.defence import ScanDefence
from provisioning.tenants.models import Tenant
from tests.factories import make_tenant
from tests.factories_people import make_employee

# Real samples (vendor-formats.md 2.3 and 3.3, from wazo-provd plugin comments).
SNOM_UA = ("Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 "
           "000413922D24 SXM:0 UXM:0)")
SNOM_MAC = "000413922d24"
YEALINK_UA = "Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37"
YEALINK_MAC = "0015654aa937"
PROXY = "127.0.0.1"  # the TLS front's address in these tests
OUTSIDE = "198.51.100.7"  # an address in no tenant network


@pytest.fixture(autouse=True)
def phone_worker(app, monkeypatch):
    """A worker as if freshly started: reads the store's tenants on every request, trusts
    the proxy at PROXY only, has no buffered fetches and has not seen any scan."""
    monkeypatch.setitem(app.config, "PHONE_TENANT_CACHE_SECONDS", 0)
    monkeypatch.setitem(app.config, "TRUSTED_PROXIES", [f"{PROXY}/32"])
    monkeypatch.setitem(app.extensions, "provisioning.scan_defence", ScanDefence())
    app.extensions["provisioning.fetch_recorder"].discard()
    yield app
    app.extensions["provisioning.fetch_recorder"].discard()


def save() -> None:
    """Commit, flushing first: the render store follows changes noted at a flush before the
    commit (phones.invalidation), and a bare commit flushes only after that point."""
    db.session.flush()
    db.session.commit()


def phone_tenant(**overrides) -> Tenant:
    """A tenant whose record is in the render store already."""
    tenant = make_tenant(**overrides)
    save()
    return tenant


def phone_url(tenant: Tenant, generation: int | None = None) -> str:
    return f"/p/{tenant_url_secret(tenant, generation)}/"


def make_phone(tenant: Tenant, vendor: str = "snom", *, assigned: bool = True,
               **overrides) -> Device:
    """A device with the MAC of the sample User-Agent, assigned to a new employee."""
    values = {"tenant_id": tenant.id, "vendor": vendor,
              "mac": SNOM_MAC if vendor == "snom" else YEALINK_MAC,
              "model": "D785" if vendor == "snom" else "T46G"}
    if assigned:
        values["employee_id"] = make_employee(tenant).id
    values.update(overrides)
    device = Device(**values)
    db.session.add(device)
    save()
    return device


def sip_password(device: Device) -> str:
    return secret_box().decrypt(device.employee.sip_account.password_encrypted)


def via_proxy(user_agent: str, addr: str = "203.0.113.5", proto: str = "https",
              cert: str | None = None, **extra: str) -> dict:
    """Test-client keyword arguments: a phone's request as the TLS front passes it on."""
    headers = {"User-Agent": user_agent, "X-Forwarded-For": addr, "X-Forwarded-Proto": proto,
               **extra}
    if cert is not None:
        headers["X-SSL-Client-Cert"] = cert
    return {"environ_base": {"REMOTE_ADDR": PROXY}, "headers": headers}


def direct(user_agent: str, addr: str = OUTSIDE, headers: dict | None = None) -> dict:
    """Test-client keyword arguments: a client talking to the application itself."""
    return {"environ_base": {"REMOTE_ADDR": addr},
            "headers": {"User-Agent": user_agent, **(headers or {})}}
