"""Networks: the address ranges a tenant's phones are seen from, and what is allowed there.

A range may overlap another range of the same tenant (a site's /24 inside the head office's
/16), never one of another tenant: the source address must never be able to point at two
tenants.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from sqlalchemy import Select, select

from provisioning.common.api import get_owned, resolve_tenant_id
from provisioning.errors import Conflict
from provisioning.extensions import db
from provisioning.sites.models import Network, Site
from provisioning.sites.service import in_tenant, scoped


def list_networks(args: dict[str, Any]) -> Select:
    stmt = scoped(select(Network).order_by(Network.id), Network, args)
    if args.get("site_id") is not None:
        stmt = stmt.where(Network.site_id == args["site_id"])
    return stmt


def get_network(network_id: int) -> Network:
    return get_owned(Network, network_id, "network")


def _check_range(cidr: str, tenant_id: int, network_id: int | None) -> None:
    new = ipaddress.ip_network(cidr)
    rows = db.session.execute(
        select(Network.id, Network.tenant_id, Network.cidr).where(Network.id != (network_id or -1))
    ).all()
    for _id, owner, other_cidr in rows:
        other = ipaddress.ip_network(other_cidr)
        # overlaps() across address families is not meaningful (it compares raw integers)
        if other.version != new.version or not new.overlaps(other):
            continue
        if owner != tenant_id:
            # The same answer whoever holds it: one tenant must not learn about another.
            raise Conflict("This network overlaps a network of another customer",
                           error_id="network_overlap", details={"cidr": cidr})
        if other == new:
            raise Conflict("This network is already defined", error_id="network_exists",
                           details={"cidr": cidr, "network_id": _id})


def create_network(data: dict[str, Any]) -> Network:
    data = dict(data)
    tenant_id = resolve_tenant_id(data.pop("tenant_id", None))
    in_tenant(Site, data.get("site_id"), tenant_id, "site")
    _check_range(data["cidr"], tenant_id, None)
    network = Network(tenant_id=tenant_id, **data)
    db.session.add(network)
    db.session.flush()
    return network


def update_network(network: Network, data: dict[str, Any]) -> Network:
    if "site_id" in data:
        in_tenant(Site, data["site_id"], network.tenant_id, "site")
    if "cidr" in data and data["cidr"] != network.cidr:
        _check_range(data["cidr"], network.tenant_id, network.id)
    for key, value in data.items():
        setattr(network, key, value)
    db.session.flush()
    return network


def delete_network(network: Network) -> None:
    db.session.delete(network)
    db.session.flush()
