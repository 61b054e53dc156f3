"""What phones fetch, written without a database write per request.

Every phone-facing request (HTTPS now, TFTP later: ``protocol="tftp"``) calls ``record``; the
event lands in this worker's memory and a daemon thread writes the batch in one short
transaction every FETCH_FLUSH_SECONDS (and once more at exit). In a boot storm of thousands of
phones that is one transaction every two seconds per worker, not thousands.

* last seen (time, address, firmware, User-Agent) of a known device: at most every
  LAST_SEEN_THROTTLE_SECONDS per device, at once when the fetched version changed;
* a served file: one history row (``device_fetches``), and the fetched version when the file
  brings the phone to its configuration (see ``routes``); the newest DEVICE_HISTORY_KEPT rows
  per device are kept;
* an unknown MAC: an upsert into ``unrecognised_devices``, at most UNRECOGNISED_MAX_PER_TENANT
  rows per tenant (beyond, only logged).

Tests call ``flush_now()``; under TESTING no thread is started.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections import defaultdict
from typing import Any

from flask import Flask
from sqlalchemy import delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from provisioning.common.models import utcnow
from provisioning.extensions import db
from provisioning.phones import defence
from provisioning.phones.models import DeviceFetch, DeviceStatus, UnrecognisedDevice

log = logging.getLogger(__name__)

MAX_PENDING = 50_000  # events held between flushes; beyond, dropped (and counted in the log)
PURGE_EVERY_SECONDS = 60


def _cut(value: str | None, length: int) -> str | None:
    return value[:length] if value else value


class FetchRecorder:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self._reset()
        atexit.register(self.stop)

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._seen: dict[int, dict[str, Any]] = {}
        self._history: list[dict[str, Any]] = []
        self._unrecognised: dict[tuple[int, str], dict[str, Any]] = {}
        self._written: dict[int, tuple[float, str | None]] = {}  # device -> (when, version)
        self._dropped = 0
        self._purged_at = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ---- recording (the request path: memory only) -------------------------------------

    def record(self, tenant_id: int, *, protocol: str, addr: str | None,
               user_agent: str | None = None, firmware: str | None = None,
               device_id: int | None = None, mac: str | None = None,
               vendor: str | None = None, model: str | None = None,
               filename: str | None = None, status: int | None = None,
               version: str | None = None, credentials: bool = False,
               completes_version: bool = False) -> None:
        """One phone request. ``device_id``: a device of this tenant; else ``mac``: unknown."""
        if os.getpid() != self._pid:
            self._reset()  # a forked worker starts with an empty buffer and its own thread
        self._ensure_thread()
        now, tick = utcnow(), time.monotonic()
        seen = {"at": now, "addr": _cut(addr, 45), "user_agent": _cut(user_agent, 300),
                "firmware": _cut(firmware, 64)}
        with self._lock:
            if len(self._history) + len(self._seen) + len(self._unrecognised) >= MAX_PENDING:
                self._dropped += 1
                return
            if device_id is not None:
                self._device(tenant_id, device_id, seen, tick, filename, protocol, status,
                             version if completes_version else None, version, credentials)
            elif mac:
                entry = self._unrecognised.setdefault(
                    (tenant_id, mac), {"tenant_id": tenant_id, "mac": mac, "requests": 0})
                entry.update(seen, requests=entry["requests"] + 1, vendor=_cut(vendor, 32),
                             model=_cut(model, 32))

    def _device(self, tenant_id: int, device_id: int, seen: dict, tick: float,
                filename: str | None, protocol: str, status: int | None,
                fetched: str | None, version: str | None, credentials: bool) -> None:
        written_at, written_version = self._written.get(device_id, (float("-inf"), None))
        throttle = float(self.app.config["LAST_SEEN_THROTTLE_SECONDS"])
        changed = fetched is not None and fetched != written_version
        if changed or device_id in self._seen or tick - written_at >= throttle:
            entry = self._seen.setdefault(device_id, {"tenant_id": tenant_id})
            entry.update(seen)
            if fetched is not None:
                entry["fetched_version"], entry["fetched_at"] = fetched, seen["at"]
            if len(self._written) > MAX_PENDING:
                self._written.clear()
            self._written[device_id] = (tick, fetched or written_version)
        if filename is not None and status is not None:
            self._history.append({
                "device_id": device_id, "tenant_id": tenant_id, "at": seen["at"],
                "filename": filename[:128], "protocol": protocol, "addr": seen["addr"],
                "status": status, "version": version, "credentials": credentials})

    # ---- flushing (the thread, exit, tests) --------------------------------------------

    def _take(self):
        with self._lock:
            taken = self._seen, self._history, self._unrecognised, self._dropped
            self._seen, self._history, self._unrecognised, self._dropped = {}, [], {}, 0
        return taken

    def flush_now(self) -> None:
        """Write what is buffered, in one transaction (in the caller's app context)."""
        seen, history, unrecognised, dropped = self._take()
        if dropped:
            log.warning("fetch buffer full: %d phone requests not recorded", dropped)
        purge = time.monotonic() - self._purged_at >= PURGE_EVERY_SECONDS
        if not (seen or history or unrecognised or purge):
            return
        session = db.session
        try:
            if seen:
                self._write_seen(session, seen)
            if history:
                self._write_history(session, history)
            if unrecognised:
                self._write_unrecognised(session, unrecognised)
            if purge:
                defence.purge_expired(session)
                self._purged_at = time.monotonic()
            session.commit()
        except Exception as exc:  # noqa: BLE001 - bookkeeping must never take a worker down
            session.rollback()
            log.warning("phone fetches not recorded (%d devices, %d files): %s", len(seen),
                        len(history), type(exc).__name__)

    @staticmethod
    def _write_seen(session, seen: dict[int, dict]) -> None:
        rows = session.execute(
            select(DeviceStatus).where(DeviceStatus.device_id.in_(list(seen)))).scalars()
        for status in rows:
            event = seen[status.device_id]
            status.last_seen_at, status.last_seen_addr = event["at"], event["addr"]
            status.last_user_agent = event["user_agent"]
            status.last_firmware = event["firmware"] or status.last_firmware
            if "fetched_version" in event:
                status.fetched_version = event["fetched_version"]
                status.fetched_at = event["fetched_at"]

    def _write_history(self, session, history: list[dict]) -> None:
        from provisioning.devices.models import Device

        ids = {row["device_id"] for row in history}
        live = set(session.execute(select(Device.id).where(Device.id.in_(ids))).scalars())
        rows = [row for row in history if row["device_id"] in live]  # deleted meanwhile
        if not rows:
            return
        session.execute(insert(DeviceFetch), rows)
        # Keep the newest rows per device: one statement for every device of the batch.
        ranked = select(
            DeviceFetch.id,
            func.row_number().over(partition_by=DeviceFetch.device_id,
                                   order_by=DeviceFetch.id.desc()).label("rank"),
        ).where(DeviceFetch.device_id.in_(live)).subquery()
        kept = int(self.app.config["DEVICE_HISTORY_KEPT"])
        session.execute(delete(DeviceFetch).where(
            DeviceFetch.id.in_(select(ranked.c.id).where(ranked.c.rank > kept))))

    def _write_unrecognised(self, session, pending: dict[tuple[int, str], dict]) -> None:
        from provisioning.tenants.models import Tenant

        table = UnrecognisedDevice
        tenants = set(session.execute(
            select(Tenant.id).where(Tenant.id.in_({t for t, _ in pending}))).scalars())
        pending = {key: event for key, event in pending.items() if key[0] in tenants}
        existing = {
            (row.tenant_id, row.mac): row for row in session.execute(
                select(table).where(table.tenant_id.in_(tenants),
                                    table.mac.in_({m for _, m in pending}))).scalars()}
        fresh: dict[int, list[dict]] = defaultdict(list)
        for key, event in sorted(pending.items()):
            row = existing.get(key)
            if row is None:
                fresh[key[0]].append(event)
                continue
            row.requests += event["requests"]
            row.last_seen, row.addr, row.user_agent = event["at"], event["addr"], event[
                "user_agent"]
            row.firmware = event["firmware"] or row.firmware
            row.vendor, row.model = row.vendor or event["vendor"], row.model or event["model"]
        if not fresh:
            return
        counts = dict(session.execute(
            select(table.tenant_id, func.count()).where(table.tenant_id.in_(list(fresh)))
            .group_by(table.tenant_id)).all())
        limit = int(self.app.config["UNRECOGNISED_MAX_PER_TENANT"])
        upsert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        for tenant_id, events in fresh.items():
            room = max(0, limit - counts.get(tenant_id, 0))
            for event in events[room:]:
                log.info("unrecognised list of tenant %s is full (%d): %s not listed",
                         tenant_id, limit, event["mac"])
            for event in events[:room]:
                values = {"tenant_id": tenant_id, "mac": event["mac"], "vendor": event["vendor"],
                          "model": event["model"], "firmware": event["firmware"],
                          "user_agent": event["user_agent"], "addr": event["addr"],
                          "first_seen": event["at"], "last_seen": event["at"],
                          "requests": event["requests"]}
                stmt = upsert(table).values(**values)
                session.execute(stmt.on_conflict_do_update(
                    index_elements=["tenant_id", "mac"],
                    set_={"last_seen": stmt.excluded.last_seen, "addr": stmt.excluded.addr,
                          "requests": table.requests + stmt.excluded.requests}))

    # ---- the thread --------------------------------------------------------------------

    def _ensure_thread(self) -> None:
        if self._thread is not None or self.app.testing:
            return
        interval = float(self.app.config["FETCH_FLUSH_SECONDS"])
        if interval <= 0:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, args=(interval,),
                                                name="phone-fetch-flush", daemon=True)
                self._thread.start()

    def _run(self, interval: float) -> None:
        while not self._stop.wait(interval):
            self._flush_in_context()

    def _flush_in_context(self) -> None:
        with self.app.app_context():
            try:
                self.flush_now()
            finally:
                db.session.remove()

    def discard(self) -> None:
        """Forget what is buffered and when each device was last written (tests start from
        nothing)."""
        self._take()
        with self._lock:
            self._written.clear()

    def stop(self) -> None:
        """Stop the thread and write what is left (at exit). Without a thread (tests) there is
        nothing to do: the test flushes, into its own database."""
        if os.getpid() != self._pid or self._thread is None:
            return
        self._stop.set()
        self._thread.join(timeout=5)
        self._thread = None
        try:
            self._flush_in_context()
        except Exception:  # noqa: BLE001 - at exit, with the database maybe gone
            log.warning("phone fetches lost at exit")
