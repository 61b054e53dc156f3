"""From the database to the renderer's plain data: what one device's phone is told.

``device_files`` gathers everything a device's files depend on (its employee and SIP account,
the colleagues and numbers named on its keys, its site, the tenant), builds the renderer's
``DeviceConfig``, renders every file the vendor defines for it once, and returns them with the
configuration version: a hash of the inputs and of the templates, so that it changes exactly
when a file would change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import current_app

from provisioning.crypto import secret_box
from provisioning.devices.models import Device, KeyKind
from provisioning.phones.store import StoredDevice, StoredFile, StoredPhonebook
from provisioning.render import DeviceConfig, Key, Line, describe_file, render_file
from provisioning.tenants.models import Tenant
from provisioning.vendors.base import NotServed
from provisioning.vendors.registry import registry

_ROOT = Path(__file__).resolve().parent.parent.parent


def _fingerprint() -> str:
    """Templates and the code that feeds them: a change of either is a new version."""
    digest = hashlib.sha256()
    paths = sorted((_ROOT / "templates" / "devices").rglob("*")) + sorted(
        (_ROOT / "provisioning" / "vendors").glob("*.py")) + [
        _ROOT / "provisioning" / "render.py", _ROOT / "provisioning" / "timezones.py"]
    for path in paths:
        if path.is_file():
            digest.update(path.relative_to(_ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


TEMPLATES_FINGERPRINT = _fingerprint()


@dataclass(frozen=True)
class PhoneSettings:
    """Instance-wide inputs to every phone file (from configuration and the CA)."""

    phone_base_url: str
    registrar_host: str
    registrar_port: int
    transport: str
    pickup_code: str | None
    ca_certificate_pem: str | None


def phone_settings() -> PhoneSettings:
    config = current_app.config
    ca = current_app.extensions.get("provisioning.ca_pem")
    return PhoneSettings(
        phone_base_url=(config.get("PHONE_BASE_URL") or config["PUBLIC_BASE_URL"]).rstrip("/"),
        registrar_host=config["SIP_REGISTRAR_HOST"],
        registrar_port=int(config["SIP_REGISTRAR_PORT"]),
        transport=config["SIP_TRANSPORT"],
        pickup_code=config.get("BLF_PICKUP_CODE"),
        ca_certificate_pem=ca,
    )


def tenant_url_secret(tenant: Tenant, generation: int | None = None) -> str:
    return secret_box().url_secret(tenant.id, generation or tenant.url_secret_generation)


def provisioning_url(tenant: Tenant, settings: PhoneSettings) -> str:
    return f"{settings.phone_base_url}/p/{tenant_url_secret(tenant)}/"


def _year() -> int:
    return dt.datetime.now(dt.UTC).year


def _site(device: Device):
    if device.site is not None:
        return device.site
    return device.employee.site if device.employee is not None else None


def _line(device: Device, settings: PhoneSettings) -> Line | None:
    employee = device.employee
    account = employee.sip_account if employee is not None else None
    if account is None or not account.enabled:
        return None
    number = employee.personal_number.e164 if employee.personal_number else ""
    return Line(
        user=account.username, auth_user=account.username,
        password=secret_box().decrypt(account.password_encrypted),
        domain=device.tenant.sip_domain, registrar_host=settings.registrar_host,
        registrar_port=settings.registrar_port, transport=settings.transport,
        display_name=employee.display_name, label=number or employee.display_name,
    )


def _keys(device: Device, settings: PhoneSettings) -> tuple[Key, ...]:
    keys = []
    for key in device.keys:
        target, label = key.target_number or "", key.label or ""
        colleague = key.target_employee
        if colleague is not None:
            account = colleague.sip_account
            if account is None or not account.enabled:
                continue  # nothing to watch or dial: leave the key out rather than half-set
            target = account.username
            label = label or colleague.display_name
        if key.kind is KeyKind.LINE:
            target = ""
        keys.append(Key(position=key.position, kind=key.kind.value, target=target, label=label,
                        line=key.line,
                        pickup_code=settings.pickup_code if key.kind is KeyKind.BLF else None))
    return tuple(keys)


def phonebook_url(device: Device, settings: PhoneSettings, has_line: bool) -> str | None:
    """The device's phonebook under the tenant's URL; None when it gets none ("none", or no SIP
    account: the phonebook is served under the credentials rule, which an unassigned device
    never meets)."""
    from phonebook_sync import selection_for

    vendor = registry().get(device.vendor)
    if not has_line or vendor is None or vendor.phonebook is None:
        return None
    if selection_for(device) is None:
        return None
    name = vendor.phonebook_filename(device.model, device.mac)
    return f"{provisioning_url(device.tenant, settings)}{name}" if name else None


def device_config(device: Device, settings: PhoneSettings) -> DeviceConfig:
    site = _site(device)
    line = _line(device, settings)
    return DeviceConfig(
        vendor=device.vendor, model=device.model, mac=device.mac,
        provisioning_url=provisioning_url(device.tenant, settings), year=_year(),
        lines=(line,) if line else (), keys=_keys(device, settings) if line else (),
        language=site.language if site else "en", timezone=site.timezone if site else "UTC",
        ntp_server=site.ntp_server if site else None,
        phonebook_url=phonebook_url(device, settings, line is not None),
        firmware_url=device.firmware_url, ca_certificate_pem=settings.ca_certificate_pem,
    )


def config_version(config: DeviceConfig) -> str:
    data = json.dumps(asdict(config), sort_keys=True, default=str).encode()
    return hashlib.sha256(data + TEMPLATES_FINGERPRINT.encode()).hexdigest()[:32]


def etag_for(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def render_files(config: DeviceConfig, tenant_id: int, mac_key: str,
                 version: str) -> list[StoredFile]:
    """Every file the vendor defines for this config; credential files in both variants."""
    vendor = registry()[config.vendor]
    files: list[StoredFile] = []
    public = config.without_credentials()
    for filename in vendor.device_filenames(config.model, config.mac).values():
        described = describe_file(config.vendor, filename)
        if described is None:
            continue
        spec = described[1]
        variants = [("public", public)]
        if spec.carries_credentials and config.lines:
            variants.append(("full", config))
        for variant, cfg in variants:
            try:
                body = render_file(cfg, filename)
            except NotServed:
                continue
            encrypted = variant == "full"
            stored = secret_box().encrypt(body.decode()).encode() if encrypted else body
            files.append(StoredFile(tenant_id, mac_key, filename, variant, etag_for(body),
                                    version, spec.content_type, encrypted, stored))
    return files


def _phonebook(device: Device, config: DeviceConfig,
               cache: dict | None) -> StoredPhonebook | None:
    if config.phonebook_url is None:
        return None
    from sqlalchemy.orm import object_session

    from phonebook_sync import device_phonebook

    session = object_session(device)
    assert session is not None  # rendered from a loaded row
    rendered = device_phonebook(session, device, cache)
    if rendered is None:
        return None
    filename = config.phonebook_url.rsplit("/", 1)[-1]
    return StoredPhonebook(device.tenant_id, rendered.key, filename, rendered.etag,
                           rendered.content_type, rendered.total, rendered.kept, rendered.body)


def device_files(device: Device, settings: PhoneSettings, phonebooks: dict | None = None
                 ) -> tuple[StoredDevice, list[StoredFile]]:
    """``phonebooks``: a cache shared by a batch, so that devices with the same phonebook
    selection have it rendered once."""
    config = device_config(device, settings)
    version = config_version(config)
    book = _phonebook(device, config, phonebooks)
    if book is not None:
        # A changed phonebook is a new device version: the phone is told to re-sync.
        version = hashlib.sha256(f"{version}{book.etag}".encode()).hexdigest()[:32]
    files = render_files(config, device.tenant_id, device.mac, version)
    stored = StoredDevice(
        mac=device.mac, tenant_id=device.tenant_id, device_id=device.id, vendor=device.vendor,
        model=device.model, assigned=bool(config.lines),
        require_mtls=bool(device.require_mtls or device.tenant.require_mtls), version=version,
        phonebook=book)
    return stored, files


def tenant_record(tenant: Tenant, settings: PhoneSettings) -> dict:
    """What the phone-facing side needs of a tenant, without the database."""
    previous = None
    if tenant.previous_url_secret_valid_until and tenant.url_secret_generation > 1:
        previous = {
            "secret": tenant_url_secret(tenant, tenant.url_secret_generation - 1),
            "valid_until": tenant.previous_url_secret_valid_until.isoformat(),
        }
    return {
        "tenant_id": tenant.id,
        "secret": tenant_url_secret(tenant),
        "previous": previous,
        "sip_domain": tenant.sip_domain,
        "require_mtls": bool(tenant.require_mtls),
        "provisioning_url": provisioning_url(tenant, settings),
        "networks": [
            {"cidr": n.cidr, "http_credentials": n.http_credentials,
             "tftp_credentials": n.tftp_credentials, "site_id": n.site_id}
            for n in sorted(tenant_networks(tenant), key=lambda n: n.cidr)
        ],
    }


def tenant_networks(tenant: Tenant):
    from sqlalchemy import select

    from provisioning.extensions import db
    from provisioning.sites.models import Network

    return db.session.execute(select(Network).where(Network.tenant_id == tenant.id)).scalars()
