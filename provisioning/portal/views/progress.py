"""Long work from the portal: start it, then watch its progress without the page waiting."""

from __future__ import annotations

from flask import g, jsonify, redirect, render_template, request, url_for

from provisioning.portal import work
from provisioning.portal.blueprint import admin_only, bp
from provisioning.tenants import service as tenants


@bp.route("/settings/resync", methods=["GET", "POST"])
@admin_only
def resync_tenant():
    if g.account.tenant_id is None:
        return redirect(url_for("portal.tenants"))
    tenant = tenants.get_tenant(g.account.tenant_id)
    if request.method == "POST":
        progress = work.start_tenant_resync(tenant)
        return redirect(url_for("portal.progress", progress_id=progress.id))
    return render_template("portal/resync_confirm.html", tenant=tenant)


@bp.route("/progress/<int:progress_id>")
@admin_only
def progress(progress_id: int):
    return render_template("portal/progress.html",
                           progress=work.progress_view(work.get_progress(progress_id)))


@bp.route("/progress/<int:progress_id>.json")
@admin_only
def progress_json(progress_id: int):
    view = work.progress_view(work.get_progress(progress_id))
    view["label"] = f"{view['done']} / {view['total']}"
    return jsonify(view)
