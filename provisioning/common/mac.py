"""MAC addresses: one internal form (12 lower-case hex digits), each vendor's notation on output."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s:.\-]")
_HEX12 = re.compile(r"^[0-9a-f]{12}$")


class InvalidMac(ValueError):
    pass


def normalize_mac(value: str) -> str:
    """Accept 00:04:13:aa:bb:cc, 00-04-13-AA-BB-CC, 0004.13aa.bbcc or 000413AABBCC."""
    if not isinstance(value, str) or len(value) > 32:
        raise InvalidMac("not a MAC address")
    compact = _SEPARATORS.sub("", value).lower()
    if not _HEX12.match(compact):
        raise InvalidMac(f"not a MAC address: {value[:32]!r}")
    if compact == "000000000000" or compact == "ffffffffffff":
        raise InvalidMac("reserved MAC address")
    if int(compact[1], 16) & 1:
        raise InvalidMac("multicast MAC address")
    return compact


def mac_upper(mac: str) -> str:
    """snom's notation in file names and User-Agents: 000413A11FA7."""
    return mac.upper()


def mac_colon_lower(mac: str) -> str:
    """Yealink's User-Agent notation: 00:15:65:4a:a9:37."""
    return ":".join(mac[i : i + 2] for i in range(0, 12, 2))
