"""What a TFTP request gets: the same bytes HTTPS serves for the same device and decision.

A TFTP request carries no User-Agent, so the file name alone names the vendor, the model and the
MAC (``vendors.identify.parse_path``), and the client's address names the tenant (the tenant one
of whose networks holds it). Whether credentials go out is ``phones.serving.decide`` with
transport "tftp": only to an assigned device of that tenant, from a network whose
``tftp_credentials`` switch is on, never to a device that requires mutual TLS. Otherwise the
"public" variant of the device's file (it points the phone at HTTPS), or, for a MAC this tenant
does not know (or a name without a MAC), the tenant's generic credential-free file
(``phones.unknown``), exactly as HTTPS renders it.

An address outside every tenant's network gets nothing ("file not found"): the generic file
carries the tenant's provisioning URL with its secret segment, and a MAC guess from anywhere
must not reveal it.

Phonebooks are not served here: both formats (snom's minibrowser directory, Yealink's remote
phonebook) are fetched from the HTTPS URL the device's configuration names, never over TFTP; a
phonebook's name asked for over TFTP is "file not found" (its FileSpec has no template).

Firmware images come from TFTP_FIRMWARE_DIR only (``firmware/<name>``, or a ``.bin``/``.rom``
name), resolved there so that a symlink cannot lead out of it.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from provisioning.phones import unknown
from provisioning.phones.serving import FULL, PUBLIC, UNKNOWN, decide
from provisioning.vendors.identify import parse_path
from provisioning.vendors.registry import registry
from tftp.names import UnsafeName, check_name
from tftp.server import Unavailable
from tftp.snapshot import StoreMirror

log = logging.getLogger(__name__)

Recorder = Callable[..., None]


@dataclass(frozen=True)
class Served:
    """What a transfer carried, for the fetch record once it completes."""

    tenant_id: int
    filename: str
    variant: str
    addr: str
    device_id: int | None = None
    mac: str | None = None
    vendor: str | None = None
    model: str | None = None
    version: str | None = None
    completes_version: bool = False


class Blob(io.BytesIO):
    """An in-memory file for tftpy. Safe to close: the server's contexts run with flock off, so
    tftpy never flock()s it (its issue #155); ``name`` is there for its log lines."""

    def __init__(self, body: bytes, served: Served) -> None:
        super().__init__(body)
        self.served = served
        self.name = served.filename


class Files:
    """tftpy's ``dyn_file_func`` (via ``server.Server``): (name, address, port) -> file or None."""

    def __init__(self, mirror: StoreMirror, decrypt: Callable[[str], str], *,
                 ca_pem: str | None = None, firmware_dir: str | Path | None = None,
                 record: Recorder | None = None) -> None:
        self.mirror = mirror
        self.decrypt = decrypt
        self.ca_pem = ca_pem
        self.firmware_dir = Path(firmware_dir).resolve() if firmware_dir else None
        self.record = record

    def __call__(self, raw: str, addr: str, port: int = 0) -> IO[bytes] | None:
        try:
            name = check_name(raw)
        except UnsafeName:
            return None  # the server refused it already; never resolve it here
        if name.firmware:
            return self._firmware(name.name, addr)
        snapshot = self.mirror.current
        tenant = snapshot.tenant_for(addr)
        if tenant is None:
            return None
        request = parse_path(name.name)
        if request is None:
            return None
        device = snapshot.devices.get(request.mac) if request.mac else None
        if device is None or decide(device, tenant, addr, "tftp", None).variant == UNKNOWN:
            return self._generic(name.name, request, tenant, addr, request.mac)
        return self._known(snapshot, device, tenant, request, name.name, addr)

    def _known(self, snapshot: Any, device: Any, tenant: dict, request: Any, filename: str,
               addr: str) -> IO[bytes] | None:
        """A device of this tenant: the same steps, in the same order, as the HTTPS route."""
        vendor = registry()[device.vendor]
        spec = vendor.files.get(request.kind) if request.vendor == device.vendor else None
        canonical = vendor.device_filenames(device.model, device.mac).get(request.kind)
        if spec is None or spec.template is None:
            return None
        if canonical is None:  # e.g. a common file of another model: the generic one will do
            return self._generic(filename, request, tenant, addr, device.mac, record=False)
        variant = PUBLIC
        if spec.carries_credentials:
            variant = decide(device, tenant, addr, "tftp", None).variant
        stored = snapshot.file(device, canonical, variant)
        if stored is None:
            if spec.carries_credentials:
                # Never "not found" for a known device's settings (a Yealink in overwrite
                # mode would reset every key): an error that makes the phone try again.
                log.error("tftp: snapshot lacks %s (%s) of device %s", canonical, variant,
                          device.mac)
                raise Unavailable(canonical)
            return self._generic(canonical, request, tenant, addr, device.mac, record=False)
        body = self.decrypt(stored.body.decode()).encode() if stored.encrypted else stored.body
        return Blob(body, Served(
            tenant_id=device.tenant_id, filename=canonical, variant=stored.variant, addr=addr,
            device_id=device.device_id, mac=device.mac, vendor=device.vendor,
            model=device.model, version=stored.version,
            # as HTTPS: the phone runs this version once it has the file carrying its
            # settings in the variant meant for it
            completes_version=spec.carries_credentials
            and (stored.variant == FULL or not device.assigned)))

    def _generic(self, filename: str, request: Any, tenant: dict, addr: str, mac: str | None,
                 record: bool = True) -> IO[bytes] | None:
        """The tenant's credential-free file for a phone it does not know (or no MAC)."""
        if record and mac and self.record is not None:
            self._record(tenant["tenant_id"], protocol="tftp", addr=addr, mac=mac,
                         vendor=request.vendor, model=request.model)
        try:
            found = unknown.public_file(request.vendor, request.model, mac, filename, tenant,
                                        self.ca_pem)
        except LookupError:  # NotServed too: recognised, never sent
            return None
        return Blob(found.body, Served(tenant_id=tenant["tenant_id"], filename=filename,
                                       variant=PUBLIC, addr=addr, mac=mac,
                                       vendor=request.vendor, model=request.model))

    def _firmware(self, name: str, addr: str) -> IO[bytes] | None:
        if self.firmware_dir is None:
            return None
        path = (self.firmware_dir / name).resolve()
        if not path.is_relative_to(self.firmware_dir):
            log.warning("tftp refused firmware outside its directory from %s: %r", addr, name)
            return None
        if not path.is_file():
            return None
        return path.open("rb")

    def completed(self, fileobj: Any, ok: bool) -> None:
        """The server's ``on_done``: record a completed transfer of a device's file."""
        served = getattr(fileobj, "served", None)
        if not ok or served is None or served.device_id is None or self.record is None:
            return
        self._record(served.tenant_id, protocol="tftp", addr=served.addr,
                     device_id=served.device_id, mac=served.mac, vendor=served.vendor,
                     model=served.model, filename=served.filename, status=200,
                     version=served.version, credentials=served.variant == FULL,
                     completes_version=served.completes_version)

    def _record(self, tenant_id: int, **event: Any) -> None:
        assert self.record is not None
        try:
            self.record(tenant_id, **event)
        except Exception:  # bookkeeping must never stop a transfer
            log.exception("tftp: fetch not recorded")
