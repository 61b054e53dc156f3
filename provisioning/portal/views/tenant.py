"""The tenant's settings: the phones' provisioning URL and DHCP values to copy, and the
password policy (four levels with what each demands, the forced-change interval)."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from provisioning.accounts import policy
from provisioning.portal.blueprint import admin_only, bp
from provisioning.portal.forms import FAILURES, load, problem, values
from provisioning.portal.i18n import gettext as _
from provisioning.provisioning_admin import service as provisioning
from provisioning.tenants import service as tenants
from provisioning.tenants.schemas import TenantSchema

POLICY_FIELDS = ("min_password_strength", "password_max_age_days")


@bp.route("/settings", methods=["GET", "POST"])
@admin_only
def tenant_settings():
    if g.account.tenant_id is None:  # operators: each tenant's page is under Tenants
        return redirect(url_for("portal.tenants"))
    tenant = tenants.get_tenant(g.account.tenant_id)
    error, status = None, 200
    if request.method == "POST":
        try:
            tenants.update_tenant(tenant, load(TenantSchema(partial=True, only=POLICY_FIELDS),
                                               values(list(POLICY_FIELDS))))
        except FAILURES as exc:
            error = problem(exc)
            status = error.status
            tenant = tenants.get_tenant(g.account.tenant_id)
        else:
            flash(_("The password policy was saved."), "success")
            return redirect(url_for("portal.tenant_settings"))
    return render_template(
        "portal/tenant_settings.html", tenant=tenant, error=error,
        phones=provisioning.tenant_provisioning(tenant), policy=policy.describe(tenant)), status
