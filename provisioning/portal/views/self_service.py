"""An employee's own corner: their phones and whether each is registered, their keys, their
language and e-mail address (the password is on /password)."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from provisioning.accounts import sessions
from provisioning.accounts.schemas import MePatchSchema
from provisioning.portal.blueprint import bp
from provisioning.portal.forms import FAILURES, load, page_args, problem, values
from provisioning.portal.i18n import gettext as _
from provisioning.portal.queries import devices_by_id
from provisioning.sipcore import service as sipcore


@bp.route("/my/devices")
def my_devices():
    # The same list as GET /api/v1/registrations: a user's service narrows it to their own.
    page = sipcore.registration_page(page_args())
    found = devices_by_id([item["device_id"] for item in page["items"]])
    rows = [(found[item["device_id"]], item) for item in page["items"]
            if item["device_id"] in found]
    return render_template("portal/my_devices.html", page=page, rows=rows)


@bp.route("/me", methods=["GET", "POST"])
def me():
    error, status = None, 200
    if request.method == "POST":
        try:
            sessions.update_me(load(MePatchSchema(), values(["email", "language"])))
        except FAILURES as exc:
            error = problem(exc)
            status = error.status
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("portal.me"))
    return render_template("portal/me.html", error=error, account=g.account), status
