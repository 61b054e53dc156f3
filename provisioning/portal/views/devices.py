"""Devices: the list with live registration state (one bulk read of the SIP core per page),
one device with its assignment, phonebook and location, its files, history and re-sync."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from provisioning.contacts import groups
from provisioning.devices import service
from provisioning.devices.schemas import AssignmentSchema, DeviceListArgs, DevicePatchSchema
from provisioning.employees.service import get_employee
from provisioning.errors import DomainError
from provisioning.portal.blueprint import admin_only, bp
from provisioning.portal.forms import FAILURES, checkbox, load, page_args, problem, values
from provisioning.portal.i18n import error_message
from provisioning.portal.i18n import gettext as _
from provisioning.portal.queries import devices_by_id, employee_names, first
from provisioning.provisioning_admin import service as files
from provisioning.sipcore import service as sipcore
from provisioning.sites import service as sites

FILTERS = ("q", "vendor", "site_id", "stale", "assigned")


def _list_args(raw: dict) -> dict:
    return DeviceListArgs(exclude=("page", "per_page")).load(raw)


@bp.route("/devices")
@admin_only
def devices():
    args = page_args()
    try:
        args.update(_list_args({k: v for k, v in request.args.items()
                                if k in FILTERS and v != ""}))
    except FAILURES:
        flash(_("Some filters were not understood and were left out."), "warning")
    page = sipcore.registration_page(args)
    found = devices_by_id([item["device_id"] for item in page["items"]])
    rows = [(found[i["device_id"]], i) for i in page["items"] if i["device_id"] in found]
    return render_template(
        "portal/devices.html", page=page, rows=rows, filters=request.args,
        sites=first(sites.list_sites({})))


def _device_page(device, error=None, status=200):
    return render_template(
        "portal/device.html", device=device, error=error,
        registration=sipcore.device_registration(device),
        state=service.provisioning_state(device),
        employees=employee_names(device.tenant_id),
        sites=first(sites.list_sites({})),
        groups=first(groups.list_groups({})),
    ), status


@bp.route("/devices/<int:device_id>", methods=["GET", "POST"])
@admin_only
def device(device_id: int):
    device = service.get_device(device_id)
    if request.method == "GET":
        return _device_page(device)
    data = values(["label", "site_id", "phonebook_mode", "phonebook_group_id"])
    data["phonebook_private"] = checkbox("phonebook_private")
    try:
        service.update_device(device, load(DevicePatchSchema(partial=True), data))
    except FAILURES as exc:
        error = problem(exc)
        return _device_page(service.get_device(device_id), error, error.status)
    flash(_("Saved."), "success")
    return redirect(url_for("portal.device", device_id=device.id))


@bp.route("/devices/<int:device_id>/assignment", methods=["POST"])
@admin_only
def device_assign(device_id: int):
    device = service.get_device(device_id)
    try:
        if request.form.get("action") == "unassign":
            service.unassign_device(device)
            flash(_("The device is no longer assigned."), "success")
        else:
            employee_id = load(AssignmentSchema(), values(["employee_id"]))["employee_id"]
            result = service.assign_device(device, employee_id)
            flash(_("The device was moved from {old} to {new}.",
                    old=_name(result["moved_from_employee_id"]),
                    new=device.employee.display_name) if result["moved_from_employee_id"]
                  else _("The device is assigned to {new}.", new=device.employee.display_name),
                  "success")
    except FAILURES as exc:
        error = problem(exc)
        return _device_page(service.get_device(device_id), error, error.status)
    return redirect(url_for("portal.device", device_id=device.id))


def _name(employee_id: int) -> str:
    return get_employee(employee_id).display_name


@bp.route("/devices/<int:device_id>/resync", methods=["POST"])
@admin_only
def device_resync(device_id: int):
    device = service.get_device(device_id)
    try:
        result = sipcore.resync_device(device)
    except DomainError as exc:
        flash(error_message(exc), "error")
    else:
        flash(_("Re-sync sent to {n} registration(s).", n=len(result["notified"])), "success")
    return redirect(url_for("portal.device", device_id=device.id))


@bp.route("/devices/<int:device_id>/files")
@admin_only
def device_files(device_id: int):
    device = service.get_device(device_id)
    return render_template("portal/device_files.html", device=device,
                           files=files.list_files(device))


@bp.route("/devices/<int:device_id>/files/<path:filename>")
@admin_only
def device_file(device_id: int, filename: str):
    """The file as the phone gets it, the SIP password masked (revealing is the API's, and
    journaled there)."""
    device = service.get_device(device_id)
    preview = files.preview_file(device, filename, reveal=False)
    return render_template("portal/device_file.html", device=device, filename=filename,
                           preview=preview, body=preview.body.decode("utf-8", "replace"))


@bp.route("/devices/<int:device_id>/history")
@admin_only
def device_history(device_id: int):
    device = service.get_device(device_id)
    page = files.history_page(device, page_args())
    return render_template("portal/device_history.html", device=device, page=page)
