"""Phones that asked with a MAC nobody registered: adopt one (vendor and model as the phone said,
pre-filled) or dismiss it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from provisioning.common.api import paginate
from provisioning.portal.blueprint import admin_only, bp
from provisioning.portal.forms import FAILURES, load, page_args, problem, values
from provisioning.portal.i18n import gettext as _
from provisioning.portal.queries import employee_names, first
from provisioning.provisioning_admin import unrecognised as service
from provisioning.provisioning_admin.schemas import AdoptSchema
from provisioning.sites import service as sites


@bp.route("/unrecognised")
@admin_only
def unrecognised():
    args = page_args({"q": request.args.get("q", "").strip()[:100]})
    page = paginate(service.list_unrecognised(args), args)
    return render_template("portal/unrecognised.html", page=page, q=args["q"])


@bp.route("/unrecognised/<int:unrecognised_id>", methods=["GET", "POST"])
@admin_only
def unrecognised_adopt(unrecognised_id: int):
    row = service.get_unrecognised(unrecognised_id)
    error, status = None, 200
    form = {"vendor": row.vendor, "model": row.model}
    if request.method == "POST":
        if request.form.get("action") == "dismiss":
            service.dismiss(row)
            flash(_("The phone was dismissed; if it asks again it is listed again."), "success")
            return redirect(url_for("portal.unrecognised"))
        form = values(["vendor", "model", "label", "employee_id", "site_id"])
        try:
            device = service.adopt(row, load(AdoptSchema(), form))
        except FAILURES as exc:
            error = problem(exc)
            status = error.status
            row = service.get_unrecognised(unrecognised_id)
        else:
            flash(_("The phone is now a device of yours."), "success")
            return redirect(url_for("portal.device", device_id=device.id))
    return render_template(
        "portal/unrecognised_adopt.html", row=row, form=form, error=error,
        employees=employee_names(row.tenant_id), sites=first(sites.list_sites({}))), status
