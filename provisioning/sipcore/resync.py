"""Phones fetch a changed configuration without a walk to the desk.

When a device's rendered configuration version changes (``device_status.rendered_version``,
written by provisioning/phones in the transaction of the change), a ``sip-resync`` job is added
in that same transaction, unless one is pending for it already. Its run time is staggered:
SIP_RESYNC_BATCH devices per job, each job SIP_RESYNC_SPACING_SECONDS after the last one
pending, so a template change across the fleet does not make every phone fetch (and possibly
reboot) at once. The job reads every registration
in one call and sends NOTIFY check-sync to the contacts of each device (not to other phones on
the same account), unless the phone already fetched the new version.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, selectinload

from provisioning.common.models import utcnow
from provisioning.jobs.registry import JobKind
from provisioning.sipcore.core import sip_core
from provisioning.sipcore.sync import reconcile_job

log = logging.getLogger(__name__)

RESYNC_JOB = "sip-resync"
RECONCILE_JOB = "sip-reconcile"
RECONCILE_SECONDS = 900
_CHANGED = "sipcore.resync"


def _note(session: Session, flush_context: Any) -> None:
    """after_flush: devices whose rendered version changed (not their first rendering)."""
    from provisioning.phones.models import DeviceStatus

    if not has_app_context() or sip_core() is None:
        return
    for obj in session.dirty:
        if isinstance(obj, DeviceStatus):
            history: Any = inspect(obj).attrs.rendered_version.history
            if history.deleted and history.deleted[0] is not None and history.added:
                session.info.setdefault(_CHANGED, set()).add(obj.device_id)


def _schedule(session: Session, flush_context: Any) -> None:
    """after_flush_postexec: queue the jobs; the commit's flush loop writes them."""
    from provisioning.jobs.models import Job
    from provisioning.jobs.queue import PENDING

    changed = session.info.pop(_CHANGED, set())
    if not changed:
        return
    pending = session.execute(select(Job.payload, Job.run_at).where(
        Job.kind == RESYNC_JOB, Job.status == PENDING)).all()
    # A device already waiting for its re-sync gets the newest version then: once is enough.
    waiting = {i for payload, _ in pending for i in (payload or {}).get("device_ids", [])}
    device_ids = sorted(changed - waiting)
    if not device_ids:
        return
    config = current_app.config
    batch = max(1, int(config["SIP_RESYNC_BATCH"]))
    spacing = dt.timedelta(seconds=float(config["SIP_RESYNC_SPACING_SECONDS"]))
    start = utcnow() + dt.timedelta(seconds=float(config["SIP_RESYNC_DELAY_SECONDS"]))
    last = max((run_at for _, run_at in pending), default=None)
    if last is not None and last + spacing > start:
        start = last + spacing
    for n, first in enumerate(range(0, len(device_ids), batch)):
        session.add(Job(kind=RESYNC_JOB, payload={"device_ids": device_ids[first:first + batch]},
                        run_at=start + n * spacing, status=PENDING, attempts=0))


def _after_rollback(session: Session, previous_transaction: Any) -> None:
    if not getattr(previous_transaction, "nested", False):
        session.info.pop(_CHANGED, None)


def install(session_class: Any) -> None:
    for name, fn in (("after_flush", _note), ("after_flush_postexec", _schedule),
                     ("after_soft_rollback", _after_rollback)):
        if not event.contains(session_class, name, fn):
            event.listen(session_class, name, fn)


def resync_devices(payload: dict[str, Any]) -> None:
    """The job: one bulk read of the registrations, then fire-and-forget NOTIFYs."""
    from provisioning.devices.models import Device
    from provisioning.employees.models import Employee
    from provisioning.extensions import db
    from provisioning.phones.models import DeviceStatus
    from provisioning.sipcore.service import aor_of, device_targets

    core = sip_core()
    ids = list(payload.get("device_ids", []))
    if core is None or not ids:
        return
    devices = db.session.execute(select(Device).where(Device.id.in_(ids)).options(
        selectinload(Device.employee).selectinload(Employee.sip_account),
        selectinload(Device.tenant))).scalars().all()
    statuses = {s.device_id: s for s in db.session.execute(
        select(DeviceStatus).where(DeviceStatus.device_id.in_(ids))).scalars()}
    due = []
    for device in devices:
        status = statuses.get(device.id)
        aor = aor_of(device.employee)
        if aor is None or (status and status.fetched_version
                           and status.fetched_version == status.rendered_version):
            continue  # nothing registers with it, or the phone has the new version already
        due.append((device, aor, status))
    if not due:
        return
    registrations = core.registrations()  # CoreUnavailable: the job is retried later
    sent = 0
    for device, aor, status in due:
        for contact in device_targets(device, registrations.get(aor, []), status):
            result = core.resync(contact, device.vendor, wait=False)
            sent += result.code is None and result.reason == "sent"
    log.info("check-sync sent to %d contact(s) of %d changed device(s)", sent, len(due))


JOBS = [
    JobKind(RESYNC_JOB, resync_devices),
    # Repairs Kamailio's rows after a commit whose write to them failed (Kamailio's database
    # was locked or unreachable), and after a restore.
    JobKind(RECONCILE_JOB, reconcile_job, interval_seconds=RECONCILE_SECONDS),
]
