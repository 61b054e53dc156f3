"""Long work started from the portal, done by the job queue in chunks with a progress row.

A tenant's re-sync: every phone of the tenant is sent NOTIFY check-sync (it fetches its
configuration now), SIP_RESYNC_BATCH devices per job and one job every
SIP_RESYNC_SPACING_SECONDS, so that a whole tenant does not fetch (and maybe reboot) at once.
Each chunk is one job: its transaction counts the chunk in ``work_progress`` and queues the
next one, so the count is committed as the work goes and a page can show it.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from provisioning.common.api import get_owned
from provisioning.common.models import utcnow
from provisioning.devices.models import Device
from provisioning.employees.models import Employee
from provisioning.extensions import db
from provisioning.jobs.queue import enqueue
from provisioning.jobs.registry import JobKind
from provisioning.journal.recorder import record
from provisioning.portal.models import WorkProgress
from provisioning.sipcore.core import sip_core
from provisioning.tenants.models import Tenant

log = logging.getLogger(__name__)

TENANT_RESYNC = "tenant-resync"
RESYNC_JOB = "portal-tenant-resync"


def start_tenant_resync(tenant: Tenant) -> WorkProgress:
    total = db.session.execute(select(func.count()).select_from(Device).where(
        Device.tenant_id == tenant.id)).scalar_one()
    progress = WorkProgress(tenant_id=tenant.id, kind=TENANT_RESYNC, total=int(total), done=0)
    db.session.add(progress)
    db.session.flush()
    if total:
        enqueue(RESYNC_JOB, {"progress_id": progress.id, "after_id": 0})
    else:
        progress.finished_at = utcnow()
    record(db.session, action="resync_tenant", object_type="tenants", object_id=tenant.id,
           tenant_id=tenant.id, changes={"devices": int(total)})
    db.session.flush()
    return progress


def get_progress(progress_id: int) -> WorkProgress:
    """In the caller's tenant, else not found."""
    return get_owned(WorkProgress, progress_id, "progress")


def progress_view(progress: WorkProgress) -> dict[str, Any]:
    return {"id": progress.id, "kind": progress.kind, "total": progress.total,
            "done": progress.done, "finished": progress.finished_at is not None,
            "note": progress.note}


def resync_chunk(payload: dict[str, Any]) -> None:
    """The job: the next SIP_RESYNC_BATCH devices after ``after_id``, one bulk read of the
    registrations, fire-and-forget NOTIFYs to each device's own contacts (not to other phones
    on its account). The SIP core not answering is raised: the queue retries the chunk."""
    from provisioning.sipcore.service import aor_of, device_targets

    progress = db.session.get(WorkProgress, payload.get("progress_id"))
    if progress is None or progress.finished_at is not None:
        return
    config = current_app.config
    devices = db.session.execute(
        select(Device).where(Device.tenant_id == progress.tenant_id,
                             Device.id > int(payload.get("after_id", 0)))
        .order_by(Device.id).limit(max(1, int(config["SIP_RESYNC_BATCH"])))
        .options(selectinload(Device.employee).selectinload(Employee.sip_account))
    ).scalars().all()
    core = sip_core()
    if not devices:
        progress.done, progress.finished_at = progress.total, utcnow()
        return
    if core is None:
        progress.note, progress.finished_at = "no SIP core is configured", utcnow()
        return
    registrations = core.registrations()
    sent = 0
    for device in devices:
        aor = aor_of(device.employee)
        for contact in device_targets(device, registrations.get(aor, [])) if aor else []:
            sent += core.resync(contact, device.vendor, wait=False).code is None
    progress.done = min(progress.total, progress.done + len(devices))
    spacing = dt.timedelta(seconds=float(config["SIP_RESYNC_SPACING_SECONDS"]))
    enqueue(RESYNC_JOB, {"progress_id": progress.id, "after_id": devices[-1].id},
            run_at=utcnow() + spacing)
    log.info("tenant %s re-sync: %d/%d devices, %d NOTIFYs sent", progress.tenant_id,
             progress.done, progress.total, sent)


JOBS = [JobKind(RESYNC_JOB, resync_chunk)]
