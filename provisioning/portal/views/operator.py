"""The platform operator's pages: tenants, their contract data, their first superadmin."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from provisioning.accounts import service as accounts
from provisioning.accounts.schemas import AccountSchema
from provisioning.common.api import paginate
from provisioning.portal.blueprint import bp, operator_only
from provisioning.portal.forms import FAILURES, load, page_args, problem, values
from provisioning.portal.i18n import gettext as _
from provisioning.tenants import service
from provisioning.tenants.schemas import TenantSchema

CONTRACT = ["name", "customer_number", "sip_domain"]


@bp.route("/tenants", methods=["GET", "POST"])
@operator_only
def tenants():
    error, status, form = None, 200, {}
    if request.method == "POST":
        form = values(CONTRACT)
        try:
            tenant = service.create_tenant(load(TenantSchema(), form))
        except FAILURES as exc:
            error = problem(exc)
            status = error.status
        else:
            flash(_("The tenant {name} was created. Now give it its first superadmin.",
                    name=tenant.name), "success")
            return redirect(url_for("portal.tenant", tenant_id=tenant.id))
    args = page_args()
    page = paginate(service.visible_tenants(), args)
    return render_template("portal/tenants.html", page=page, error=error, form=form), status


@bp.route("/tenants/<int:tenant_id>", methods=["GET", "POST"])
@operator_only
def tenant(tenant_id: int):
    tenant = service.get_tenant(tenant_id)
    error, status = None, 200
    if request.method == "POST":
        try:
            if request.form.get("action") == "superadmin":
                data = values(["username", "email", "password"])
                data.update(role="superadmin", tenant_id=tenant.id)
                created = accounts.create_account(load(AccountSchema(), data))
                message = _("{name} is the tenant's superadmin.", name=created.username)
            else:
                service.update_tenant(tenant, load(TenantSchema(partial=True), values(CONTRACT)))
                message = _("Saved.")
        except FAILURES as exc:
            error = problem(exc)
            status = error.status
            tenant = service.get_tenant(tenant_id)
        else:
            flash(message, "success")
            return redirect(url_for("portal.tenant", tenant_id=tenant_id))
    admins = paginate(accounts.visible_accounts({"tenant_id": tenant.id, "role": "superadmin"}),
                      {"page": 1, "per_page": 20})
    return render_template("portal/tenant.html", tenant=tenant, error=error,
                           superadmins=admins["items"]), status
