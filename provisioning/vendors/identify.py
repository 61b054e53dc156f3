"""Identification, step "extract": what a request tells about the phone (wazo-provd ident.py style).

``extract(user_agent, filename, query)`` tries the User-Agent first (vendor, model, firmware and,
on recent firmware, the MAC), then the requested file name (MAC and model in the name; also the
vendor when the UA said nothing), then a ``?mac=`` query argument. Each later source only fills
what earlier ones left empty; a MAC from the path or query never overrides a MAC from the UA.

This is identification, not authentication: a MAC is an identifier, never a secret. Whether the
file may carry credentials is decided later, from the device record and the transport.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import replace

from provisioning.common.mac import InvalidMac, normalize_mac
from provisioning.vendors.base import FileRequest, Identity
from provisioning.vendors.registry import registry

__all__ = ["Identity", "extract", "identify_user_agent", "parse_path"]


def identify_user_agent(user_agent: str | None) -> Identity | None:
    for vendor in registry().values():
        identity = vendor.identify_user_agent(user_agent or "")
        if identity is not None:
            return identity
    return None


def parse_path(filename: str, vendor: str | None = None) -> FileRequest | None:
    """The file a name designates, for ``vendor`` if known, else the first vendor claiming it."""
    name = (filename or "").rsplit("/", 1)[-1]
    vendors = [registry().get(vendor)] if vendor else list(registry().values())
    for impl in vendors:
        request = impl.parse_path(name)
        if request is not None:
            return request
    return None


def extract(user_agent: str | None, filename: str | None,
            query: Mapping[str, str] | None = None) -> Identity | None:
    """Vendor, model, firmware and MAC from UA, then path, then ``?mac=``; None if nothing."""
    identity = identify_user_agent(user_agent) or Identity()
    request = parse_path(filename or "", identity.vendor)
    if request is not None:
        identity = replace(
            identity,
            vendor=identity.vendor or request.vendor,
            model=identity.model or request.model,
            mac=identity.mac or request.mac,
        )
    raw = (query or {}).get("mac")
    if raw and identity.mac is None:
        with suppress(InvalidMac):  # a garbled ?mac= is no identification, not an error
            identity = replace(identity, mac=normalize_mac(raw))
    if identity == Identity():
        return None
    return identity
