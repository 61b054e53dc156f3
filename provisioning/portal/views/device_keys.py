"""A device's function keys: add, remove, reorder, BLF targets among colleagues, labels.

The whole set is saved at once with the API's schema and service (PUT .../keys): a reorder is
new positions. Without JavaScript: up/down buttons swap two rows' positions and save."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from provisioning.devices import keys, service
from provisioning.devices.models import KeyKind
from provisioning.devices.schemas import FunctionKeySchema
from provisioning.portal.blueprint import admin_only, bp
from provisioning.portal.forms import FAILURES, load, problem
from provisioning.portal.i18n import gettext as _
from provisioning.portal.queries import employee_names

BLANK_ROWS = 2
FIELDS = ("position", "kind", "target_employee_id", "target_number", "line", "label")


def _rows_posted() -> list[dict[str, Any]]:
    """The rows as typed, in page order; blank rows and removed ones are left out."""
    rows = []
    count = min(int(request.form.get("rows", "0") or 0), 200)
    for i in range(count):
        row = {name: request.form.get(f"key-{i}-{name}", "").strip() for name in FIELDS}
        if not row["kind"] or request.form.get(f"key-{i}-remove"):
            continue
        rows.append({k: v for k, v in row.items() if v != ""})
    return rows


def _apply_move(rows: list[dict[str, Any]], move: str) -> None:
    """'3:up' swaps the positions of row 3 and the row above it."""
    index, _, direction = move.partition(":")
    if not index.isdigit():
        return
    i = int(index)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= i < len(rows) and 0 <= j < len(rows):
        rows[i]["position"], rows[j]["position"] = rows[j].get("position"), rows[i].get("position")


def _page(device, rows, error=None, status=200):
    return render_template(
        "portal/device_keys.html", device=device, rows=rows, blank=BLANK_ROWS, error=error,
        kinds=[k.value for k in KeyKind], employees=employee_names(device.tenant_id)), status


def _shown(device) -> list[dict[str, Any]]:
    return [{"position": k.position, "kind": k.kind.value,
             "target_employee_id": k.target_employee_id, "target_number": k.target_number,
             "line": k.line, "label": k.label} for k in device.keys]


@bp.route("/devices/<int:device_id>/keys", methods=["GET", "POST"])
@admin_only
def device_keys(device_id: int):
    device = service.get_device(device_id)
    if request.method == "GET":
        return _page(device, _shown(device))
    rows = _rows_posted()
    if request.form.get("move"):
        _apply_move(rows, request.form["move"])
    try:
        keys.replace_keys(device, load(FunctionKeySchema(many=True), rows))
    except FAILURES as exc:
        error = problem(exc)
        return _page(service.get_device(device_id), rows, error, error.status)
    flash(_("The keys were saved."), "success")
    return redirect(url_for("portal.device_keys", device_id=device.id))
