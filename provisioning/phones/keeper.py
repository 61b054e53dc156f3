"""Keeps an instance's render store in step with the database.

The web side writes the store right after each commit; the keeper repairs what that missed (a
crash between commit and write, a change made on another instance, a template upgrade that
changes every version) and removes devices and tenants that are gone. It runs when the service
starts, in the job worker every STORE_SYNC_SECONDS, and as ``provisioning render-store sync``.
"""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import select

from provisioning.extensions import db
from provisioning.phones import rendering
from provisioning.phones.configs import TEMPLATES_FINGERPRINT

log = logging.getLogger(__name__)


def sync_store(full: bool = False) -> dict[str, int]:
    """Bring the store in step; ``full`` re-renders every device. Commits its own work."""
    from provisioning.models import Device, DeviceStatus, Tenant

    store = current_app.extensions["provisioning.render_store"]
    session = db.session
    stored_versions = store.device_versions()
    # A new template or renderer changes every device's version: re-render all once.
    if store.conn.execute("SELECT value FROM meta WHERE key='fingerprint'").fetchone() != (
            TEMPLATES_FINGERPRINT,):
        full = True
    rows = session.execute(
        select(Device.id, Device.mac, DeviceStatus.rendered_version)
        .outerjoin(DeviceStatus, DeviceStatus.device_id == Device.id)
    ).all()
    live_macs = {mac for _, mac, _ in rows}
    stale = [device_id for device_id, mac, version in rows
             if full or version is None or stored_versions.get(mac, (None, None))[1] != version]
    removed = [mac for mac in stored_versions if mac not in live_macs]
    tenant_ids = set(session.execute(select(Tenant.id)).scalars())
    records = rendering.tenant_records(session, tenant_ids)
    rendered = []
    for start in range(0, len(stale), rendering.CHUNK):
        rendered.extend(rendering.render_devices(session, stale[start:start + rendering.CHUNK]))
    session.commit()
    for mac in removed:
        store.remove_device(mac)
    for tenant_id in set(store.tenants()) - tenant_ids:
        store.remove_tenant(tenant_id)
    for tenant_id, record in records:
        store.put_tenant(tenant_id, record)
    for stored, files in rendered:
        store.replace_device(stored, files)
    store.conn.execute("INSERT OR REPLACE INTO meta VALUES ('fingerprint', ?)",
                       (TEMPLATES_FINGERPRINT,))
    result = {"rendered": len(rendered), "removed": len(removed), "tenants": len(records)}
    if rendered or removed:
        log.info("render store synced: %s", result)
    return result


def run_keeper(app, stop) -> None:
    """Sync at once, then every STORE_SYNC_SECONDS until ``stop`` (a threading.Event) is set.
    One per instance: the job worker runs it beside the jobs."""
    interval = float(app.config["STORE_SYNC_SECONDS"])
    while not stop.is_set():
        with app.app_context():
            try:
                sync_store()
            except Exception:  # noqa: BLE001 - the database may be down; try again later
                log.exception("render store sync failed; retrying in %.0f s", interval)
                db.session.rollback()
            finally:
                db.session.remove()
        stop.wait(interval)
