"""The admin side of phone provisioning: a tenant's phone URL and its rotation, a device's
files as its phone gets them (password masked unless revealed), and its provisioning history.

The URL secret is derived from the instance key and the tenant's generation number
(``phones.configs.tenant_url_secret``): rotating it bumps the generation, and the tenant row
change journals generation numbers only, never a secret. The tenant change re-renders the
tenant's devices and its record in the render store (``phones.invalidation``), where the
previous secret stays valid until the grace period ends.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select

from provisioning.common.api import paginate
from provisioning.common.models import utcnow
from provisioning.crypto import secret_box
from provisioning.devices.models import Device
from provisioning.errors import NotFound
from provisioning.extensions import db
from provisioning.journal.recorder import record
from provisioning.phones.configs import (
    config_version,
    device_config,
    device_files,
    phone_settings,
    provisioning_url,
)
from provisioning.phones.models import DeviceFetch, DeviceStatus
from provisioning.phones.store import StoredFile
from provisioning.render import describe_file
from provisioning.tenants.models import Tenant
from provisioning.vendors.registry import registry

MASK = "********"


# ---- the tenant's phone URL ---------------------------------------------------------------


def tenant_provisioning(tenant: Tenant) -> dict[str, Any]:
    url = provisioning_url(tenant, phone_settings())
    until = tenant.previous_url_secret_valid_until
    return {
        "url": url,
        "dhcp_option_66": url,
        "phone_settings": {
            "snom": {"setting_server": url},
            "yealink": {"static.auto_provision.server.url": url},
        },
        "previous_url_valid_until": until if until is not None and until > utcnow() else None,
        "require_mtls": bool(tenant.require_mtls),
    }


def rotate_url_secret(tenant: Tenant, grace_hours: int) -> dict[str, Any]:
    """A new URL secret; the previous one keeps working for ``grace_hours`` (0: not at all).
    Only the generation before is kept: a second rotation within the grace ends the first's."""
    tenant.url_secret_generation = (tenant.url_secret_generation or 1) + 1
    tenant.previous_url_secret_valid_until = (
        utcnow() + dt.timedelta(hours=grace_hours) if grace_hours else None
    )
    db.session.flush()
    return tenant_provisioning(tenant)


# ---- a device's files ---------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    """A device's files as its phone gets them now, and the passwords they may carry."""

    version: str
    files: dict[tuple[str, str], StoredFile]  # (filename, variant) -> file
    passwords: tuple[str, ...]


def _rendered(device: Device) -> Rendered:
    """From the render store when it holds the device's current version; else rendered now
    (keeper not run yet, or a change not yet stored). Rendering here does not write the store
    or device_status: a preview is a read, and an older snapshot must never overwrite a newer
    render another request has stored."""
    settings = phone_settings()
    config = device_config(device, settings)
    version = config_version(config)
    passwords = tuple(line.password for line in config.lines if line.password)
    store = current_app.extensions["provisioning.render_store"]
    stored = store.device(device.mac)
    if stored is None or stored.version != version or stored.tenant_id != device.tenant_id:
        _, files = device_files(device, settings)
        return Rendered(version, {(f.filename, f.variant): f for f in files}, passwords)
    found: dict[tuple[str, str], StoredFile] = {}
    for filename in _filenames(device).values():
        for variant in ("full", "public"):
            file = store.file(device.tenant_id, device.mac, filename, variant)
            if file is not None:
                found[(filename, variant)] = file
    return Rendered(version, found, passwords)


def _filenames(device: Device) -> dict[str, str]:
    vendors = registry()
    if device.vendor not in vendors:
        return {}
    return vendors[device.vendor].device_filenames(device.model, device.mac)


def _served(rendered: Rendered, filename: str) -> StoredFile | None:
    """The variant an entitled phone gets: with credentials when there are any."""
    return rendered.files.get((filename, "full")) or rendered.files.get((filename, "public"))


def list_files(device: Device) -> list[dict[str, Any]]:
    """Every file the phone gets (files the vendor recognises but nothing is sent for, such as
    a firmware file without a firmware URL, are left out)."""
    rendered = _rendered(device)
    out = []
    for kind, filename in _filenames(device).items():
        file = _served(rendered, filename)
        described = describe_file(device.vendor, filename)
        if file is None or described is None:
            continue
        out.append({
            "filename": filename, "kind": kind, "description": described[1].description,
            "content_type": file.content_type, "credentials": file.variant == "full",
            "etag": file.etag, "version": file.version,
        })
    return out


@dataclass(frozen=True)
class FilePreview:
    body: bytes
    content_type: str
    etag: str
    version: str
    credentials: str  # "none", "masked" or "revealed"


def _body(file: StoredFile) -> bytes:
    return secret_box().decrypt(file.body.decode()).encode() if file.encrypted else file.body


def preview_file(device: Device, filename: str, reveal: bool) -> FilePreview:
    """The file as the phone gets it, the SIP password replaced by a mask unless ``reveal``;
    revealing one is journaled (the caller has checked the role)."""
    names = {name.lower(): name for name in _filenames(device).values()}
    canonical = names.get(filename.lower())
    rendered = _rendered(device)
    file = _served(rendered, canonical) if canonical else None
    if file is None:
        raise NotFound("file")
    body = _body(file)
    if file.variant != "full":
        credentials = "none"
    elif not reveal:
        credentials = "masked"
        # The clear form (.cfg) and the XML-escaped one (snom), whichever the file holds.
        for password in rendered.passwords:
            for form in {password, html.escape(password)}:
                body = body.replace(form.encode(), MASK.encode())
    else:
        credentials = "revealed"
        record(db.session, action="reveal_device_file", object_type="devices",
               object_id=device.id, tenant_id=device.tenant_id,
               changes={"filename": canonical, "version": file.version})
    return FilePreview(body, file.content_type, file.etag, file.version, credentials)


# ---- history ------------------------------------------------------------------------------


def history_page(device: Device, args: dict[str, Any]) -> dict[str, Any]:
    """What the phone fetched, newest first. Only fetches made while the device belonged to
    its current tenant: a moved device's past is its former tenant's business."""
    stmt = (
        select(DeviceFetch)
        .where(DeviceFetch.device_id == device.id, DeviceFetch.tenant_id == device.tenant_id)
        .order_by(DeviceFetch.at.desc(), DeviceFetch.id.desc())
    )
    page = paginate(stmt, args)
    status = db.session.get(DeviceStatus, device.id)
    current = status.rendered_version if status is not None else None
    page["items"] = [
        {"at": f.at, "filename": f.filename, "protocol": f.protocol, "addr": f.addr,
         "status": f.status, "version": f.version, "credentials": f.credentials,
         "current": f.version is not None and f.version == current}
        for f in page["items"]
    ]
    return page
