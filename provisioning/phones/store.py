"""The render store: the phones' files as rendered, readable without the database.

A small SQLite file of its own in the instance folder (``render-store.sqlite``). The web side
writes a device's files into it whenever a change affects them (``phones.invalidation``), the
keeper brings it in step with the database (``phones.keeper``), and the HTTPS and TFTP servers
only ever read it: a phone is served while the database is down, and serving a file costs one
indexed read of a local file, no query of the service's database.

Files that carry credentials are stored encrypted (the instance's Fernet keys); the others in
clear. Each row knows its ETag and the device's configuration version.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    tenant_id INTEGER NOT NULL,
    mac TEXT NOT NULL,            -- '' for the tenant-wide copy served to unknown phones
    filename TEXT NOT NULL,       -- canonical name, as the vendor module spells it
    variant TEXT NOT NULL,        -- 'full' (with credentials) or 'public'
    etag TEXT NOT NULL,
    version TEXT NOT NULL,
    content_type TEXT NOT NULL,
    encrypted INTEGER NOT NULL,
    body BLOB NOT NULL,
    PRIMARY KEY (tenant_id, mac, filename, variant)
);
CREATE TABLE IF NOT EXISTS devices (
    mac TEXT PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    device_id INTEGER NOT NULL,
    vendor TEXT NOT NULL,
    model TEXT NOT NULL,
    assigned INTEGER NOT NULL,
    require_mtls INTEGER NOT NULL,
    version TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_devices_tenant ON devices (tenant_id);
CREATE TABLE IF NOT EXISTS tenants (
    tenant_id INTEGER PRIMARY KEY,
    data TEXT NOT NULL            -- JSON: secrets, switches, networks (see TenantRecord)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- Phonebooks: one rendering per selection (vendor format, what is selected, model limits),
-- shared by every device with that selection; a device points at its row by name.
CREATE TABLE IF NOT EXISTS phonebooks (
    tenant_id INTEGER NOT NULL,
    selection TEXT NOT NULL,
    etag TEXT NOT NULL,           -- also the phonebook's version
    content_type TEXT NOT NULL,
    total INTEGER NOT NULL,       -- entries selected
    kept INTEGER NOT NULL,        -- entries the model takes
    body BLOB NOT NULL,
    PRIMARY KEY (tenant_id, selection)
);
CREATE TABLE IF NOT EXISTS device_phonebooks (
    mac TEXT PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    filename TEXT NOT NULL,       -- canonical name, as the vendor module spells it
    selection TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_device_phonebooks_selection
    ON device_phonebooks (tenant_id, selection);
"""


@dataclass(frozen=True)
class StoredFile:
    tenant_id: int
    mac: str
    filename: str
    variant: str
    etag: str
    version: str
    content_type: str
    encrypted: bool
    body: bytes


_PHONEBOOK_FROM = (" FROM device_phonebooks d JOIN phonebooks p"
                   " ON p.tenant_id = d.tenant_id AND p.selection = d.selection"
                   " WHERE d.mac=? AND d.tenant_id=? AND d.filename=?")
_PHONEBOOK_TAG = ("SELECT p.tenant_id, p.selection, d.filename, p.etag, p.content_type, p.total,"
                  " p.kept, NULL" + _PHONEBOOK_FROM)
_PHONEBOOK = ("SELECT p.tenant_id, p.selection, d.filename, p.etag, p.content_type, p.total,"
              " p.kept, p.body" + _PHONEBOOK_FROM)


@dataclass(frozen=True)
class StoredPhonebook:
    tenant_id: int
    selection: str
    filename: str
    etag: str
    content_type: str
    total: int
    kept: int
    body: bytes | None  # None when read for its ETag only


@dataclass(frozen=True)
class StoredDevice:
    mac: str
    tenant_id: int
    device_id: int
    vendor: str
    model: str
    assigned: bool
    require_mtls: bool
    version: str
    # Written with the device (replace_device); never read back into this field.
    phonebook: StoredPhonebook | None = None


class RenderStore:
    """One store file; connections are per thread (SQLite objects are not shared)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None,
                               check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    # ---- reading (the phones' path) ------------------------------------------------------

    def file(self, tenant_id: int, mac: str, filename: str, variant: str) -> StoredFile | None:
        row = self.conn.execute(
            "SELECT tenant_id, mac, filename, variant, etag, version, content_type, encrypted,"
            " body FROM files WHERE tenant_id=? AND mac=? AND filename=? AND variant=?",
            (tenant_id, mac, filename, variant),
        ).fetchone()
        return StoredFile(*row[:7], bool(row[7]), row[8]) if row else None

    def device(self, mac: str) -> StoredDevice | None:
        row = self.conn.execute(
            "SELECT mac, tenant_id, device_id, vendor, model, assigned, require_mtls, version"
            " FROM devices WHERE mac=?", (mac,)).fetchone()
        if row is None:
            return None
        return StoredDevice(row[0], row[1], row[2], row[3], row[4], bool(row[5]), bool(row[6]),
                            row[7])

    def phonebook(self, tenant_id: int, mac: str, filename: str,
                  with_body: bool = True) -> StoredPhonebook | None:
        """The device's phonebook; ``with_body=False`` reads only what a 304 needs."""
        row = self.conn.execute(_PHONEBOOK if with_body else _PHONEBOOK_TAG,
                                (mac, tenant_id, filename)).fetchone()
        return StoredPhonebook(*row) if row else None

    def tenants(self) -> dict[int, dict]:
        return {tid: json.loads(data)
                for tid, data in self.conn.execute("SELECT tenant_id, data FROM tenants")}

    def device_versions(self) -> dict[str, tuple[int, str]]:
        return {mac: (device_id, version) for mac, device_id, version in
                self.conn.execute("SELECT mac, device_id, version FROM devices")}

    # ---- writing (the web side after a commit, and the keeper) ---------------------------

    def replace_device(self, device: StoredDevice, files: Iterable[StoredFile]) -> None:
        """Swap one device's files in one transaction: a reader never sees half of them."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            self._delete_device(conn, device.mac)
            conn.execute(
                "INSERT INTO devices VALUES (?,?,?,?,?,?,?,?)",
                (device.mac, device.tenant_id, device.device_id, device.vendor, device.model,
                 int(device.assigned), int(device.require_mtls), device.version))
            conn.executemany(
                "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?,?,?,?)",
                [(f.tenant_id, f.mac, f.filename, f.variant, f.etag, f.version, f.content_type,
                  int(f.encrypted), f.body) for f in files])
            book = device.phonebook
            if book is not None:
                current = conn.execute(
                    "SELECT etag FROM phonebooks WHERE tenant_id=? AND selection=?",
                    (book.tenant_id, book.selection)).fetchone()
                if current != (book.etag,):  # shared: written once per change, not per device
                    conn.execute(
                        "INSERT OR REPLACE INTO phonebooks VALUES (?,?,?,?,?,?,?)",
                        (book.tenant_id, book.selection, book.etag, book.content_type,
                         book.total, book.kept, book.body))
                conn.execute("INSERT INTO device_phonebooks VALUES (?,?,?,?)",
                             (device.mac, book.tenant_id, book.filename, book.selection))
            self._drop_unused_phonebooks(conn)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def remove_device(self, mac: str) -> None:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            self._delete_device(conn, mac)
            self._drop_unused_phonebooks(conn)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    @staticmethod
    def _delete_device(conn: sqlite3.Connection, mac: str) -> None:
        conn.execute("DELETE FROM files WHERE mac=?", (mac,))
        conn.execute("DELETE FROM devices WHERE mac=?", (mac,))
        conn.execute("DELETE FROM device_phonebooks WHERE mac=?", (mac,))

    @staticmethod
    def _drop_unused_phonebooks(conn: sqlite3.Connection) -> None:
        conn.execute(
            "DELETE FROM phonebooks WHERE NOT EXISTS (SELECT 1 FROM device_phonebooks d"
            " WHERE d.tenant_id = phonebooks.tenant_id AND d.selection = phonebooks.selection)")

    def put_tenant(self, tenant_id: int, data: dict) -> None:
        self.conn.execute("INSERT OR REPLACE INTO tenants VALUES (?, ?)",
                          (tenant_id, json.dumps(data, sort_keys=True)))

    def remove_tenant(self, tenant_id: int) -> None:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("DELETE FROM files WHERE tenant_id=?", (tenant_id,))
            conn.execute("DELETE FROM devices WHERE tenant_id=?", (tenant_id,))
            conn.execute("DELETE FROM device_phonebooks WHERE tenant_id=?", (tenant_id,))
            conn.execute("DELETE FROM phonebooks WHERE tenant_id=?", (tenant_id,))
            conn.execute("DELETE FROM tenants WHERE tenant_id=?", (tenant_id,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
