"""``provisioning discovery run``: the PnP responder, its leases and the mDNS announcement.

One process per instance (the supervisor runs it beside TFTP when DISCOVERY_INTERFACES is set):

* the packet loop (``responder``) in the main thread, reading only the current ``View``;
* a refresher thread that, every PNP_REFRESH_SECONDS (at least every PNP_LEASE_SECONDS / 3),
  reads the PnP-enabled networks on this instance's LANs, claims or renews their leases, writes
  the buffered journal events, re-reads the render store when it changed, and publishes a new
  ``View``;
* the mDNS announcement (zeroconf's own thread).

SIGTERM stops the loop, gives the leases up (another instance answers at once), says goodbye
over mDNS and writes what is still buffered.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import threading
import time
from typing import Any

from sqlalchemy import select

from provisioning.discovery import lease
from provisioning.discovery.events import PnpEvents
from provisioning.discovery.interfaces import Lan
from provisioning.discovery.responder import Responder
from provisioning.discovery.view import KnownDevice, View, attached
from provisioning.extensions import db
from provisioning.phones.store import RenderStore

log = logging.getLogger(__name__)


class ListenError(RuntimeError):
    """The PnP port cannot be used."""


def instance_id() -> str:
    """Who holds a lease: host, process and a random part (a restarted process is new)."""
    return f"{socket.gethostname()[:80]}/{os.getpid()}/{secrets.token_hex(3)}"


class Discovery:
    def __init__(self, app: Any, lans: list[Lan]) -> None:
        from provisioning.phones.fetches import FetchRecorder

        config = app.config
        self.app, self.lans = app, lans
        self.holder = instance_id()
        self.total = float(config["PNP_LEASE_SECONDS"])
        self.interval = min(float(config["PNP_REFRESH_SECONDS"]), lease.claim_interval(self.total))
        self.current = View()
        self.events = PnpEvents()
        recorder = app.extensions.get("provisioning.fetch_recorder")
        if recorder is None:
            recorder = app.extensions["provisioning.fetch_recorder"] = FetchRecorder(app)
        self.recorder = recorder
        self.responder = Responder(
            lans, lambda: self.current, self.events, port=int(config["PNP_PORT"]),
            group=config["PNP_GROUP"], rate_limit=int(config["PNP_RATE_LIMIT"]),
            rate_window=float(config["PNP_RATE_WINDOW_SECONDS"]),
            on_unrecognised=recorder.record)
        self._store_path = app.extensions["provisioning.render_store"].path
        self._store: RenderStore | None = None
        self._data_version: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ---- one round (the refresher thread) ------------------------------------------------

    def _store_data(self, old: View) -> tuple[dict, dict]:
        if self._store is None:
            self._store = RenderStore(self._store_path)
        conn = self._store.conn
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        if version == self._data_version:
            return dict(old.devices), dict(old.urls)
        conn.execute("BEGIN")
        try:
            devices = {mac: KnownDevice(tenant_id, device_id) for mac, tenant_id, device_id in
                       conn.execute("SELECT mac, tenant_id, device_id FROM devices")}
            urls = {tid: record.get("provisioning_url")
                    for tid, record in self._store.tenants().items()}
        finally:
            conn.execute("COMMIT")
        self._data_version = version
        return devices, urls

    def refresh(self) -> View:
        from provisioning.sites.models import Network

        old = self.current
        with self.app.app_context():
            try:
                # Every network (a narrower one with PnP off silences a wider one with it on);
                # leases only for those with PnP on.
                rows = db.session.execute(
                    select(Network.id, Network.tenant_id, Network.cidr,
                           Network.adoption_window_until, Network.pnp_enabled)).all()
                networks = attached(rows, [lan.network for lan in self.lans])
                started = time.monotonic()
                held = lease.claim(db.session,
                                   [lease.scope_of(n.id) for n in networks if n.pnp_enabled],
                                   self.holder, self.total)
                self.events.flush(db.session)
            except Exception:
                db.session.rollback()
                raise
            finally:
                db.session.remove()
        deadline = started + lease.lease_seconds(self.total)
        devices, urls = self._store_data(old)
        self.current = View(networks, devices, urls,
                            {n.id: deadline for n in networks
                             if lease.scope_of(n.id) in held})
        if set(self.current.held) != set(old.held):
            log.info("pnp: answering on networks %s (lease holder %s)",
                     sorted(self.current.held) or "none", self.holder)
        return self.current

    def _run(self) -> None:
        failing = False
        while not self._stop.is_set():
            try:
                self.refresh()
                failing = False
            except Exception as exc:  # the leases run out by themselves; say so once
                if not failing:
                    log.warning("pnp: database or render store unreachable, leases will "
                                "lapse: %s", exc)
                failing = True
            self._stop.wait(self.interval)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="pnp-refresh", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.responder.stop()
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        with self.app.app_context():
            try:
                lease.release(db.session, self.holder)
                self.events.flush(db.session)
            except Exception:  # noqa: BLE001 - at exit: the leases lapse by themselves
                log.warning("pnp: leases not released at stop; they lapse in %.0f s",
                            lease.lease_seconds(self.total))
            finally:
                db.session.remove()
        self.recorder.stop()
        if self._store is not None:
            self._store.close()


def run(app: Any) -> None:
    """Serve until SIGTERM or SIGINT."""
    from provisioning.discovery.interfaces import lans as configured_lans
    from provisioning.discovery.mdns import Announcer, service_info

    config = app.config
    lans = configured_lans(config["DISCOVERY_INTERFACES"])
    if not lans:
        raise ListenError("DISCOVERY_INTERFACES is empty: discovery is off on this instance")
    discovery = Discovery(app, lans)
    try:
        discovery.responder.bind()
    except OSError as exc:
        raise ListenError(f"cannot listen for PnP on {config['PNP_GROUP']}:{config['PNP_PORT']}"
                          f": {exc}") from exc
    announcer = None
    if config["MDNS_ENABLED"]:
        phone_base = config.get("PHONE_BASE_URL") or config["PUBLIC_BASE_URL"]
        announcer = Announcer(lans, service_info(
            lans, config["MDNS_SERVICE_TYPE"], discovery.holder, config["PUBLIC_BASE_URL"],
            phone_base))

    def _stop(signum: int, _frame: Any) -> None:
        log.info("%s: discovery stopping", signal.Signals(signum).name)
        discovery.responder.stop()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    try:
        discovery.start()
        if announcer is not None:
            try:
                announcer.start()
            except Exception:  # noqa: BLE001 - PnP goes on without the announcement
                log.exception("mdns: announcement failed; PnP answers regardless")
                announcer = None
        log.info("discovery: PnP on %s:%s via %s", config["PNP_GROUP"], config["PNP_PORT"],
                 ", ".join(lan.address for lan in lans))
        discovery.responder.serve_forever()
    finally:
        if announcer is not None:
            announcer.stop()
        discovery.stop()
        discovery.responder.close()
