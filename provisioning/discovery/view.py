"""What the PnP packet loop looks things up in: an immutable view, replaced whole.

The loop never reads a database. A thread (``runner``) builds a new ``View`` every round from
the networks on this instance's LANs (a small query of the shared database, which
also renews the leases), the render store's devices and tenant records (re-read only when the
store changed), and the leases this instance holds; the loop only reads dicts.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class PnpNetwork:
    id: int
    tenant_id: int
    network: IPNetwork
    window_until: dt.datetime | None  # the adoption window's end (UTC), if one was opened
    pnp_enabled: bool = True

    def window_open(self, now: dt.datetime) -> bool:
        return self.window_until is not None and now < self.window_until


@dataclass(frozen=True)
class KnownDevice:
    tenant_id: int
    device_id: int


@dataclass(frozen=True)
class View:
    networks: tuple[PnpNetwork, ...] = ()  # most specific first
    devices: Mapping[str, KnownDevice] = field(default_factory=dict)  # mac -> device
    urls: Mapping[int, str] = field(default_factory=dict)  # tenant id -> provisioning URL
    held: Mapping[int, float] = field(default_factory=dict)  # network id -> monotonic deadline

    def network_for(self, addr: str) -> PnpNetwork | None:
        """The narrowest network holding ``addr`` if PnP is on there: a site's network with
        PnP off inside a larger one with PnP on stays silent."""
        try:
            address = ipaddress.ip_address(addr)
        except ValueError:
            return None
        for entry in self.networks:
            if entry.network.version == address.version and address in entry.network:
                return entry if entry.pnp_enabled else None
        return None

    def holds(self, network_id: int, now: float | None = None) -> bool:
        return self.held.get(network_id, float("-inf")) > (time.monotonic() if now is None
                                                            else now)


def attached(networks: Iterable[tuple[int, int, str, dt.datetime | None, bool]],
             lans: Iterable[IPNetwork]) -> tuple[PnpNetwork, ...]:
    """The networks (id, tenant id, cidr, window end, PnP on) that overlap one of this
    instance's LANs, most specific first: multicast PnP never leaves its LAN, so an instance
    answers (and leases) only the networks it can hear."""
    lans = list(lans)
    out = []
    for network_id, tenant_id, cidr, until, pnp in networks:
        try:
            net = ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            continue
        if any(lan.version == net.version and lan.overlaps(net) for lan in lans):
            out.append(PnpNetwork(network_id, tenant_id, net, until, bool(pnp)))
    out.sort(key=lambda n: -n.network.prefixlen)
    return tuple(out)


def phone_url(url: str | None) -> str | None:
    """A provisioning URL fit for a phone: http(s), and never a ``.local`` (mDNS) host, which
    no desk phone resolves (vendor-formats.md section 7)."""
    if not url:
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".").lower()
    if parts.scheme not in ("http", "https") or not host or host.endswith(".local"):
        return None
    return url
