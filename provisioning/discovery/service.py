"""A network's discovery settings: what is on, the adoption window, the DHCP snippets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app

from provisioning.common.models import utcnow
from provisioning.discovery import dhcp, lease
from provisioning.errors import Conflict, ValidationFailed
from provisioning.extensions import db
from provisioning.sites.models import Network
from provisioning.sites.networks import get_network

__all__ = ["discovery", "dhcp_snippet", "get_network", "open_adoption_window"]


def _url(network: Network) -> str:
    from provisioning.phones.configs import phone_settings, provisioning_url
    from provisioning.tenants.models import Tenant

    tenant = db.session.get(Tenant, network.tenant_id)
    assert tenant is not None  # a network belongs to a tenant (ON DELETE CASCADE)
    return provisioning_url(tenant, phone_settings())


def discovery(network: Network) -> dict[str, Any]:
    now = utcnow()
    url = _url(network)
    holder = lease.current(db.session, lease.scope_of(network.id), now)
    until = network.adoption_window_until
    return {
        "network_id": network.id,
        "tenant_id": network.tenant_id,
        "cidr": network.cidr,
        "pnp_enabled": network.pnp_enabled,
        "adoption_window_until": until,
        "adoption_window_open": bool(network.pnp_enabled and until is not None and until > now),
        "provisioning_url": url,
        "pnp_responder": None if holder is None or not network.pnp_enabled else {
            "instance": holder.holder, "lease_expires_at": holder.expires_at},
        "dhcp": dhcp.all_values(url),
    }


def open_adoption_window(network: Network, minutes: int) -> dict[str, Any]:
    """Unknown phones asking PnP on this network get its tenant's URL for ``minutes`` (and are
    listed for adoption); 0 closes the window."""
    limit = int(current_app.config["PNP_ADOPTION_WINDOW_MAX_MINUTES"])
    if minutes > limit:
        raise ValidationFailed(f"an adoption window lasts at most {limit} minutes",
                               details={"fields": {"minutes": [f"at most {limit}"]}})
    if minutes and not network.pnp_enabled:
        raise Conflict("PnP is off on this network: switch it on first (pnp_enabled)",
                       error_id="pnp_disabled")
    network.adoption_window_until = utcnow() + dt.timedelta(minutes=minutes) if minutes else None
    db.session.flush()
    return discovery(network)


def dhcp_snippet(network: Network, server: str, vendor: str | None) -> dict[str, Any]:
    vendors = (vendor,) if vendor else dhcp.VENDORS
    return {"network_id": network.id, "server": server, "vendors": list(vendors),
            "snippet": dhcp.combined(server, network.id, network.cidr, _url(network), vendors)}
