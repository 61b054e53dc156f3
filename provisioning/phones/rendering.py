"""Rendering devices into the store: used after commits, by the keeper, and by the job that
takes over tenant-wide changes."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from provisioning.common.models import utcnow
from provisioning.phones.configs import device_files, phone_settings, tenant_record
from provisioning.phones.models import DeviceStatus
from provisioning.phones.store import StoredDevice, StoredFile

RENDER_JOB = "render-devices"
CHUNK = 200


def _load(session: Session, device_ids: Iterable[int]):
    from provisioning.models import Device, Employee, FunctionKey

    ids = list(device_ids)
    if not ids:
        return []
    return session.execute(
        select(Device).where(Device.id.in_(ids)).options(
            selectinload(Device.tenant), selectinload(Device.site),
            selectinload(Device.employee).selectinload(Employee.sip_account),
            selectinload(Device.employee).selectinload(Employee.personal_number),
            selectinload(Device.employee).selectinload(Employee.site),
            selectinload(Device.keys).selectinload(FunctionKey.target_employee)
            .selectinload(Employee.sip_account),
        )
    ).scalars().all()


def render_devices(session: Session, device_ids: Iterable[int]
                   ) -> list[tuple[StoredDevice, list[StoredFile]]]:
    """Render the devices and record their new version in device_status (same transaction)."""
    settings = phone_settings()
    out = []
    now = utcnow()
    phonebooks: dict = {}  # devices with the same phonebook selection share one rendering
    for device in _load(session, device_ids):
        stored, files = device_files(device, settings, phonebooks)
        status = session.get(DeviceStatus, device.id)
        if status is None:
            status = DeviceStatus(device_id=device.id, tenant_id=device.tenant_id)
            session.add(status)
        if status.rendered_version != stored.version or status.tenant_id != device.tenant_id:
            status.rendered_version, status.rendered_at = stored.version, now
            status.tenant_id = device.tenant_id
        out.append((stored, files))
    return out


def tenant_records(session: Session, tenant_ids: Iterable[int]) -> list[tuple[int, dict | None]]:
    from provisioning.tenants.models import Tenant

    settings = phone_settings()
    out: list[tuple[int, dict | None]] = []
    for tenant_id in sorted(tenant_ids):
        tenant = session.get(Tenant, tenant_id)
        out.append((tenant_id, tenant_record(tenant, settings) if tenant is not None else None))
    return out


def schedule_render(session: Session, device_ids: list[int]) -> None:
    from provisioning.jobs.queue import enqueue

    for start in range(0, len(device_ids), CHUNK):
        enqueue(RENDER_JOB, {"device_ids": device_ids[start:start + CHUNK]})
