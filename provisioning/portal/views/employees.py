"""Employees: list and search, create with a personal number (a SIP account comes with it),
change the number, or give one to someone whose number was terminated."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from provisioning.accounts import service as accounts
from provisioning.common.api import paginate
from provisioning.devices import service as devices
from provisioning.employees import service
from provisioning.employees.schemas import EmployeeSchema, PersonalNumberSchema
from provisioning.numbers import service as numbers
from provisioning.portal.blueprint import admin_only, bp
from provisioning.portal.forms import FAILURES, checkbox, load, page_args, problem, values
from provisioning.portal.i18n import gettext as _
from provisioning.portal.queries import first
from provisioning.sites import service as sites


def choices() -> dict:
    """What the employee forms offer: free active numbers, sites, the tenant's accounts."""
    return {
        "free_numbers": first(numbers.visible_numbers({"status": "active", "assigned": False})),
        "sites": first(sites.list_sites({})),
        "accounts": first(accounts.visible_accounts({})),
    }


def _employee_form() -> dict:
    data = values(["display_name", "personal_number", "site_id", "account_id"])
    data["telephony"] = checkbox("telephony")
    return data


@bp.route("/employees")
@admin_only
def employees():
    args = page_args({"q": request.args.get("q", "").strip()[:100]})
    page = paginate(service.visible_employees(args), args)
    return render_template("portal/employees.html", page=page, q=args["q"])


@bp.route("/employees/new", methods=["GET", "POST"])
@admin_only
def employee_new():
    error, status, form = None, 200, {"telephony": True}
    if request.method == "POST":
        form = _employee_form()
        try:
            employee = service.create_employee(load(EmployeeSchema(), form))
        except FAILURES as exc:
            error = problem(exc)
            status = error.status
        else:
            flash(_("{name} was created.", name=employee.display_name), "success")
            return redirect(url_for("portal.employee", employee_id=employee.id))
    return render_template("portal/employee_new.html", error=error, form=form,
                           **choices()), status


@bp.route("/employees/<int:employee_id>", methods=["GET", "POST"])
@admin_only
def employee(employee_id: int):
    employee = service.get_employee(employee_id)
    error, status = None, 200
    if request.method == "POST":
        try:
            if request.form.get("action") == "number":
                data = load(PersonalNumberSchema(), values(["personal_number"]))
                service.change_personal_number(employee, data["personal_number"])
            else:
                service.update_employee(employee, load(EmployeeSchema(partial=True),
                                                       _employee_form()))
        except FAILURES as exc:
            error = problem(exc)
            status = error.status
            employee = service.get_employee(employee_id)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("portal.employee", employee_id=employee.id))
    held = devices.list_devices({"employee_id": employee.id})
    return render_template(
        "portal/employee.html", employee=employee, error=error,
        devices=first(held), **choices()), status
