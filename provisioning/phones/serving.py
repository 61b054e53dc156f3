"""Whether a phone's file may carry credentials: one pure decision, shared by HTTPS and TFTP.

Plain data in (the device as the render store knows it, the tenant's record, the client's
address, the transport, the MAC of a verified device certificate), a ``Decision`` out. No Flask,
no database, no clock.

Credentials ("full") only when all of these hold:

1. the device is in the store for THIS tenant (a device of another tenant asked under this
   tenant's URL is unknown here: it gets the generic file, never its data) and is assigned;
2. the transport is HTTPS, or plain HTTP/TFTP from an address inside one of the tenant's
   networks whose ``http_credentials`` / ``tftp_credentials`` switch is on;
3. when the device or the tenant requires mutual TLS: HTTPS with a verified vendor certificate
   for exactly this MAC (never over HTTP or TFTP, whatever the networks allow).

Otherwise the "public" variant: the same files without SIP accounts and keys, which still point
the phone back here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from provisioning.phones.proxy import in_networks

FULL = "full"
PUBLIC = "public"
UNKNOWN = "unknown"
TRANSPORTS = ("https", "http", "tftp")
_SWITCH = {"http": "http_credentials", "tftp": "tftp_credentials"}


class DeviceLike(Protocol):
    mac: str
    tenant_id: int
    assigned: bool
    require_mtls: bool


@dataclass(frozen=True)
class Decision:
    variant: str  # FULL, PUBLIC, or UNKNOWN (not this tenant's device: the generic file)
    reason: str

    @property
    def credentials(self) -> bool:
        return self.variant == FULL


def owned(device: DeviceLike | None, tenant: Mapping[str, Any]) -> bool:
    return device is not None and device.tenant_id == tenant["tenant_id"]


def requires_mtls(device: DeviceLike, tenant: Mapping[str, Any]) -> bool:
    return bool(device.require_mtls or tenant.get("require_mtls"))


def network_allows(tenant: Mapping[str, Any], client_addr: str | None, transport: str) -> bool:
    """Whether a network of the tenant with the transport's credentials switch on holds
    ``client_addr``."""
    switch = _SWITCH.get(transport)
    if switch is None or not client_addr:
        return False
    cidrs = [n["cidr"] for n in tenant.get("networks") or () if n.get(switch)]
    return in_networks(client_addr, cidrs)


def decide(device: DeviceLike | None, tenant: Mapping[str, Any], client_addr: str | None,
           transport: str, cert_mac: str | None) -> Decision:
    if transport not in TRANSPORTS:
        raise ValueError(f"transport must be one of {TRANSPORTS}")
    if device is None or not owned(device, tenant):
        return Decision(UNKNOWN, "unknown_device")
    if not device.assigned:
        return Decision(PUBLIC, "unassigned")
    if requires_mtls(device, tenant):
        if transport != "https":
            return Decision(PUBLIC, "mtls_required")
        if cert_mac is None or cert_mac != device.mac:
            return Decision(PUBLIC, "no_device_certificate")
        return Decision(FULL, "device_certificate")
    if transport == "https":
        return Decision(FULL, "https")
    if network_allows(tenant, client_addr, transport):
        return Decision(FULL, f"{transport}_network")
    return Decision(PUBLIC, f"{transport}_outside_networks")
