"""The LAN interfaces an instance answers PnP and announces itself on.

DISCOVERY_INTERFACES lists IPv4 addresses of this host (or is ``"all"``: every non-loopback
IPv4 address). Empty, the default, means no discovery at all on this instance: nothing joins a
multicast group or announces anything by accident.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

import ifaddr


class InterfaceError(RuntimeError):
    """A configured address is not one of this host's."""


@dataclass(frozen=True)
class Lan:
    address: str
    network: ipaddress.IPv4Network


def _host_addresses() -> list[Lan]:
    out = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if not isinstance(ip.ip, str):
                continue  # IPv6: PnP is IPv4 multicast
            network = ipaddress.ip_network(f"{ip.ip}/{ip.network_prefix}", strict=False)
            out.append(Lan(ip.ip, network))  # type: ignore[arg-type]
    return out


def configured(value: Any) -> list[str] | str:
    if value in (None, "", []):
        return []
    if isinstance(value, str):
        return "all" if value.strip().lower() == "all" else [
            part.strip() for part in value.split(",") if part.strip()]
    return [str(v) for v in value]


def lans(value: Any) -> list[Lan]:
    """The LANs for DISCOVERY_INTERFACES; raises InterfaceError for an address not on this
    host."""
    wanted = configured(value)
    if not wanted:
        return []
    present = _host_addresses()
    if wanted == "all":
        return [lan for lan in present if not ipaddress.ip_address(lan.address).is_loopback]
    by_address = {lan.address: lan for lan in present}
    missing = [a for a in wanted if a not in by_address]
    if missing:
        raise InterfaceError(f"DISCOVERY_INTERFACES: not an address of this host: "
                             f"{', '.join(missing)}")
    return [by_address[a] for a in wanted]
