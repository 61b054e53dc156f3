"""A device's phonebook, rendered by its vendor, with the version that names its content."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from phonebook_sync.limits import cut, limits_for
from phonebook_sync.selection import group_name, load_entries, selection_for

DEFAULT_TITLE = "Phonebook"


@dataclass(frozen=True)
class Rendered:
    key: str  # devices whose phonebooks have the same key share this rendering
    content_type: str
    etag: str  # '"<32 hex>"': the phonebook's version, from its bytes
    body: bytes
    total: int  # entries selected
    kept: int  # entries the model takes (total when its limit is unknown)
    limit: int | None

    @property
    def version(self) -> str:
        return self.etag.strip('"')


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _vendor(name: str):
    from provisioning.vendors.registry import registry

    return registry().get(name)


def render_selection(session: Session, vendor: Any, model: str | None, selection) -> Rendered:
    limits = limits_for(vendor, model)
    entries = cut(load_entries(session, selection), limits)
    title = group_name(session, selection.group_id) or DEFAULT_TITLE
    body = vendor.render_phonebook(entries.entries, title)
    return Rendered(key=f"{vendor.name}:{vendor.phonebook.kind}:{selection.key}:{limits.key}",
                    content_type=vendor.phonebook.content_type, etag=etag_of(body), body=body,
                    total=entries.total, kept=entries.kept, limit=limits.entries)


def device_phonebook(session: Session, device, cache: dict | None = None) -> Rendered | None:
    """The device's rendered phonebook, or None (mode "none", or a vendor without one).
    ``cache`` (selection+vendor+limits -> Rendered) shares renderings within a batch."""
    selection = selection_for(device)
    vendor = _vendor(device.vendor)
    if selection is None or vendor is None or vendor.phonebook is None:
        return None
    limits = limits_for(vendor, device.model)
    key = f"{vendor.name}:{vendor.phonebook.kind}:{selection.key}:{limits.key}"
    if cache is not None and key in cache:
        return cache[key]
    rendered = render_selection(session, vendor, device.model, selection)
    if cache is not None:
        cache[key] = rendered
    return rendered


def describe(session: Session, device) -> dict[str, Any]:
    """What the device receives and whether its model's limit cut it (for the API); counts
    without rendering."""
    selection = selection_for(device)
    vendor = _vendor(device.vendor)
    limits = limits_for(vendor, device.model)
    if selection is None or vendor is None or vendor.phonebook is None:
        return {"mode": "none", "entries_total": 0, "entries_kept": 0, "truncated": False,
                "limit": {"entries": limits.entries, "name_length": limits.name_length,
                          "source": limits.source}}
    entries = cut(load_entries(session, selection), limits)
    return {
        "mode": selection.mode, "group_id": selection.group_id,
        "private_contacts": selection.private_account_id is not None,
        "entries_total": entries.total, "entries_kept": entries.kept,
        "truncated": entries.truncated,
        "limit": {"entries": limits.entries, "name_length": limits.name_length,
                  "source": limits.source},
    }
