"""The credential-free files a phone gets when this tenant does not know its MAC (or it sent
none): rendered on the fly from what the request says and the tenant's record, never from a
device's data. Enough for the phone to keep asking here and to trust our CA: the tenant's
provisioning URL, English, UTC, no lines, no keys.

A small per-process LRU keeps the rendered bytes: phones ask the same few names again and again,
and a scan of random MACs only ever evicts entries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from provisioning.phones.configs import etag_for
from provisioning.render import DeviceConfig, describe_file, render_file
from provisioning.vendors.base import NotServed

__all__ = ["NotServed", "PublicFile", "public_file"]


@dataclass(frozen=True)
class PublicFile:
    body: bytes
    etag: str
    content_type: str


@lru_cache(maxsize=1024)
def _render(vendor: str, model: str | None, mac: str | None, filename: str,
            provisioning_url: str, year: int, ca_pem: str | None) -> PublicFile:
    described = describe_file(vendor, filename)
    if described is None:
        raise LookupError(filename)
    config = DeviceConfig(vendor=vendor, model=model, mac=mac, provisioning_url=provisioning_url,
                          year=year, lines=(), keys=(), language="en", timezone="UTC",
                          ca_certificate_pem=ca_pem)
    body = render_file(config, filename)
    return PublicFile(body, etag_for(body), described[1].content_type)


def public_file(vendor: str, model: str | None, mac: str | None, filename: str,
                tenant: dict, ca_pem: str | None) -> PublicFile:
    """The generic file ``filename`` of ``vendor`` for this tenant.

    Raises NotServed (a name the vendor recognises but does not serve: 404) or LookupError
    (not one of the vendor's names, or a name at odds with the MAC/model: 404)."""
    try:
        return _render(vendor, model, mac, filename, tenant["provisioning_url"],
                       dt.datetime.now(dt.UTC).year, ca_pem)
    except NotServed:
        raise
    except ValueError as exc:
        raise LookupError(filename) from exc


def cache_clear() -> None:
    _render.cache_clear()
