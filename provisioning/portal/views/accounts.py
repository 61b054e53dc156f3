"""Accounts and roles of the tenant: the API's rules decide who may give which role."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from provisioning.accounts import service
from provisioning.accounts.models import Role
from provisioning.accounts.schemas import AccountPatchSchema, AccountSchema
from provisioning.common.api import paginate
from provisioning.portal.blueprint import admin_only, bp
from provisioning.portal.forms import FAILURES, load, page_args, problem, values
from provisioning.portal.i18n import gettext as _

TENANT_ROLES = [Role.USER.value, Role.ADMIN.value, Role.SUPERADMIN.value]


def _grantable() -> list[str]:
    """The roles the form offers: none above one's own (the service refuses them anyway)."""
    mine = service.RANK[g.account.role]
    return [r for r in TENANT_ROLES if service.RANK[Role(r)] <= mine]


@bp.route("/accounts", methods=["GET", "POST"])
@admin_only
def accounts():
    error, status, form = None, 200, {}
    if request.method == "POST":
        form = values(["username", "email", "role", "password", "language"])
        try:
            account = service.create_account(load(AccountSchema(), form))
        except FAILURES as exc:
            error = problem(exc)
            status = error.status
        else:
            flash(_("The account {name} was created.", name=account.username), "success")
            return redirect(url_for("portal.accounts"))
    args = page_args({"q": request.args.get("q", "").strip()[:150]})
    page = paginate(service.visible_accounts(args), args)
    return render_template("portal/accounts.html", page=page, q=args["q"], error=error,
                           form=form, roles=_grantable()), status


@bp.route("/accounts/<int:account_id>", methods=["GET", "POST"])
@admin_only
def account(account_id: int):
    target = service.get_account(account_id)
    error, status = None, 200
    if request.method == "POST":
        try:
            if request.form.get("action") == "delete":
                service.delete_account(target)
                flash(_("The account was deleted."), "success")
                return redirect(url_for("portal.accounts"))
            data = values(["role", "password", "email"])
            data = {k: v for k, v in data.items() if v is not None or k == "email"}
            service.update_account(target, load(AccountPatchSchema(), data))
        except FAILURES as exc:
            error = problem(exc)
            status = error.status
            target = service.get_account(account_id)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("portal.account", account_id=account_id))
    return render_template("portal/account.html", target=target, error=error,
                           roles=_grantable()), status
