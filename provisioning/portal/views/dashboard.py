"""The admin's start page: the fleet per site as a picture."""

from __future__ import annotations

from flask import render_template

from provisioning.portal import fleet
from provisioning.portal.blueprint import admin_only, bp


@bp.route("/dashboard")
@admin_only
def dashboard():
    summary = fleet.fleet_summary()
    return render_template("portal/dashboard.html", fleet=summary, chart=fleet.chart(summary),
                           states=fleet.STATES)
