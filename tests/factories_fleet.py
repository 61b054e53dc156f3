"""Factories for sites, networks, devices, contact groups (and the employees devices go to).

Like ``tests.factories``: rows are built through the models and committed (a savepoint inside
the test's outer transaction).
"""

from __future__ import annotations

import itertools

from provisioning.contacts.models import ContactGroup
from provisioning.devices.models import Device
from provisioning.employees.models import Employee
from provisioning.extensions import db
from provisioning.sites.models import Network, Site
from provisioning.tenants.models import Tenant
from tests.factories import make_tenant

_seq = itertools.count(1)


def _save(obj):
    db.session.add(obj)
    db.session.commit()
    return obj


def make_site(tenant: Tenant | None = None, **overrides) -> Site:
    tenant = tenant or make_tenant()
    values = {
        "tenant_id": tenant.id,
        "name": f"Site {next(_seq)}",
        "language": "en",
        "timezone": "Europe/Berlin",
    }
    values.update(overrides)
    return _save(Site(**values))


def make_network(tenant: Tenant | None = None, cidr: str | None = None, **overrides) -> Network:
    tenant = tenant or make_tenant()
    n = next(_seq)
    values = {"tenant_id": tenant.id, "cidr": cidr or f"10.{n // 256 % 256}.{n % 256}.0/24"}
    values.update(overrides)
    return _save(Network(**values))


def make_employee(tenant: Tenant | None = None, **overrides) -> Employee:
    tenant = tenant or make_tenant()
    values = {"tenant_id": tenant.id, "display_name": f"Employee {next(_seq)}"}
    values.update(overrides)
    return _save(Employee(**values))


def make_group(tenant: Tenant | None = None, **overrides) -> ContactGroup:
    tenant = tenant or make_tenant()
    values = {"tenant_id": tenant.id, "name": f"Group {next(_seq)}"}
    values.update(overrides)
    return _save(ContactGroup(**values))


def make_device(tenant: Tenant | None = None, **overrides) -> Device:
    tenant = tenant or make_tenant()
    n = next(_seq)
    values = {"tenant_id": tenant.id, "mac": f"000413{n:06x}", "vendor": "snom", "model": "D785"}
    values.update(overrides)
    return _save(Device(**values))
