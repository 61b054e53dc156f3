"""Function keys: the whole set of a device is replaced in one go (a reorder is new positions)."""

from __future__ import annotations

from typing import Any

from provisioning.common.models import utcnow
from provisioning.devices.models import Device, FunctionKey
from provisioning.employees.models import Employee
from provisioning.errors import NotFound, ValidationFailed
from provisioning.extensions import db


def _check_positions(items: list[dict[str, Any]]) -> None:
    seen: dict[int, int] = {}
    errors: dict[str, Any] = {}
    for index, item in enumerate(items):
        if item["position"] in seen:
            errors[str(index)] = {"position": [f"position {item['position']} is used twice "
                                               f"(also at index {seen[item['position']]})"]}
        seen.setdefault(item["position"], index)
    if errors:
        raise ValidationFailed("Each key needs its own position", details={"fields": errors})


def _check_targets(device: Device, items: list[dict[str, Any]]) -> None:
    for index, item in enumerate(items):
        employee_id = item.get("target_employee_id")
        if employee_id is None:
            continue
        employee = db.session.get(Employee, employee_id)
        if employee is None or employee.tenant_id != device.tenant_id:
            raise NotFound("employee", details={"index": index, "target_employee_id": employee_id})


def replace_keys(device: Device, items: list[dict[str, Any]]) -> list[FunctionKey]:
    _check_positions(items)
    _check_targets(device, items)
    device.keys.clear()
    # The old rows go first: positions are unique per device and the new set reuses them.
    db.session.flush()
    for item in items:
        device.keys.append(FunctionKey(tenant_id=device.tenant_id, **item))
    # The keys are part of the device's configuration: its version (ETag) moves with them.
    device.updated_at = utcnow()
    db.session.flush()
    return sorted(device.keys, key=lambda key: key.position)
