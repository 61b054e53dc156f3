"""The render store, mirrored in memory for the TFTP loop.

tftpy runs every transfer in one loop, so whatever ``dyn_file_func`` waits for, every phone
waits for (security-reliability.md A3: one 10 ms lookup caps the server near 90 files/s). The
loop therefore never reads a database, not even the local render store: a thread copies what
the store holds (tenant records with their networks, devices, files) into an immutable
``Snapshot`` every TFTP_REFRESH_SECONDS, and the loop only looks things up in dicts.

A refresh costs one ``PRAGMA data_version`` when nothing changed; otherwise the tenants and the
device rows are re-read, and files only for devices whose row (version, tenant, switches)
changed: a device's files and row are replaced in one store transaction, and its version is a
hash of everything its files depend on. Credential files stay encrypted in memory; they are
decrypted for the one transfer that may carry them.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from provisioning.phones.store import RenderStore, StoredDevice, StoredFile

log = logging.getLogger(__name__)

CHUNK = 500
_FILES_BY_MAC = ("SELECT tenant_id, mac, filename, variant, etag, version, content_type,"
                 " encrypted, body FROM files WHERE mac IN")
_NETWORK_CACHE = 4096


@dataclass(frozen=True)
class Snapshot:
    tenants: Mapping[int, dict] = field(default_factory=dict)
    devices: Mapping[str, StoredDevice] = field(default_factory=dict)
    # mac -> {(lower-case canonical file name, variant): file}
    files: Mapping[str, Mapping[tuple[str, str], StoredFile]] = field(default_factory=dict)
    # most specific first: (network, tenant id)
    networks: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, int], ...] = ()
    _by_addr: dict[str, int | None] = field(default_factory=dict, compare=False)

    def tenant_for(self, addr: str) -> dict | None:
        """The record of the tenant one of whose networks holds ``addr`` (the narrowest)."""
        if addr in self._by_addr:
            tenant_id = self._by_addr[addr]
        else:
            tenant_id = None
            try:
                address = ipaddress.ip_address(addr)
            except ValueError:
                address = None
            if address is not None:
                for network, owner in self.networks:
                    if address.version == network.version and address in network:
                        tenant_id = owner
                        break
            if len(self._by_addr) >= _NETWORK_CACHE:
                self._by_addr.clear()  # a scan of many addresses only evicts
            self._by_addr[addr] = tenant_id
        return self.tenants.get(tenant_id) if tenant_id is not None else None

    def file(self, device: StoredDevice, filename: str, variant: str) -> StoredFile | None:
        found = self.files.get(device.mac, {}).get((filename.lower(), variant))
        return found if found is not None and found.tenant_id == device.tenant_id else None


def _networks(tenants: Mapping[int, dict]) -> tuple:
    out = []
    for tenant_id, record in tenants.items():
        for entry in record.get("networks") or ():
            try:
                out.append((ipaddress.ip_network(entry["cidr"], strict=False), tenant_id))
            except (KeyError, ValueError):
                log.error("tenant %s: not a network, ignored: %r", tenant_id, entry)
    out.sort(key=lambda item: -item[0].prefixlen)
    return tuple(out)


class StoreMirror:
    """Keeps ``current`` (a Snapshot) in step with the render store at ``path``."""

    def __init__(self, path: str | Path, interval: float = 1.0) -> None:
        self.path = Path(path)
        self.interval = interval
        self.current = Snapshot()
        self._store: RenderStore | None = None
        self._data_version: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.loaded = threading.Event()

    def refresh(self) -> bool:
        """Re-read what changed; True when the snapshot was replaced. Raises on store errors."""
        if self._store is None:
            self._store = RenderStore(self.path)
        conn = self._store.conn
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        if version == self._data_version and self.loaded.is_set():
            return False
        old = self.current
        conn.execute("BEGIN")  # one consistent read of a store that may be written meanwhile
        try:
            tenants = self._store.tenants()
            devices = {
                row[0]: StoredDevice(row[0], row[1], row[2], row[3], row[4], bool(row[5]),
                                     bool(row[6]), row[7])
                for row in conn.execute(
                    "SELECT mac, tenant_id, device_id, vendor, model, assigned, require_mtls,"
                    " version FROM devices")}
            files = {mac: entries for mac, entries in old.files.items()
                     if mac in devices and old.devices.get(mac) == devices[mac]}
            stale = [mac for mac in devices if mac not in files]
            for start in range(0, len(stale), CHUNK):
                chunk = stale[start:start + CHUNK]
                for mac in chunk:
                    files[mac] = {}
                marks = ",".join("?" * len(chunk))  # placeholders only; the MACs are bound
                query = f"{_FILES_BY_MAC} ({marks})"  # noqa: S608
                rows = conn.execute(query, chunk)
                for row in rows:
                    stored = StoredFile(*row[:7], bool(row[7]), bytes(row[8]))
                    files[stored.mac][(stored.filename.lower(), stored.variant)] = stored
        finally:
            conn.execute("COMMIT")
        self.current = Snapshot(tenants, devices, files, _networks(tenants))
        self._data_version = version
        if not self.loaded.is_set() or stale or len(devices) != len(old.devices):
            log.info("tftp snapshot: %d tenants, %d devices (%d re-read)", len(tenants),
                     len(devices), len(stale))
        self.loaded.set()
        return True

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="tftp-store-mirror", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        failing = False
        try:
            while True:
                try:
                    self.refresh()
                    failing = False
                except Exception as exc:  # keep serving the last snapshot; say so once
                    if not failing:
                        log.warning("render store unreadable, serving the last snapshot: %s",
                                    exc)
                    failing = True
                if self._stop.wait(self.interval):
                    return
        finally:
            if self._store is not None:
                self._store.close()  # this thread's connection

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._store is not None:
            self._store.close()  # the calling thread's connection, if it refreshed itself
