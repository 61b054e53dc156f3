"""Numbers: the list, and activate / deactivate / reactivate / exchange, each behind a page that
says what the action does and what will be lost before anything happens."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from provisioning.common.api import paginate
from provisioning.numbers import service
from provisioning.numbers.schemas import DeactivateSchema, ExchangeSchema, NumberListArgs
from provisioning.portal.blueprint import admin_only, bp
from provisioning.portal.forms import FAILURES, load, page_args, problem, values
from provisioning.portal.i18n import gettext as _
from provisioning.portal.queries import first, keys_targeting


@bp.route("/numbers")
@admin_only
def numbers():
    args = page_args()
    raw = {k: v for k, v in request.args.items() if k in ("status", "q", "assigned") and v}
    try:
        args.update(NumberListArgs(exclude=("page", "per_page")).load(raw))
    except FAILURES:
        flash(_("Some filters were not understood and were left out."), "warning")
    page = paginate(service.visible_numbers(args), args)
    return render_template("portal/numbers.html", page=page, filters=request.args)


def _run(number, action: str) -> str:
    """Do the confirmed action with the API's schema and service; returns the message."""
    if action == "activate":
        service.activate(number)
        return _("{number} is active.", number=number.e164)
    if action == "reactivate":
        service.reactivate(number)
        return _("{number} is active again.", number=number.e164)
    if action == "deactivate":
        date = load(DeactivateSchema(), values(["termination_date"]))["termination_date"]
        service.deactivate(number, date)
        return _("{number} ends on {date}.", number=number.e164, date=date.isoformat())
    replacement_id = load(ExchangeSchema(), values(["replacement_id"]))["replacement_id"]
    result = service.exchange(number, replacement_id)
    return _("{new} took the place of {old}.", new=result["number"].e164, old=number.e164)


@bp.route("/numbers/<int:number_id>/<any(activate, deactivate, reactivate, exchange):action>",
          methods=["GET", "POST"])
@admin_only
def number_action(number_id: int, action: str):
    number = service.get_number(number_id)
    error, status = None, 200
    if request.method == "POST":
        try:
            message = _run(number, action)
        except FAILURES as exc:
            error = problem(exc)
            status = error.status
            number = service.get_number(number_id)
        else:
            flash(message, "success")
            return redirect(url_for("portal.numbers"))
    replacements = (first(service.visible_numbers({"status": "inactive"}))
                    if action == "exchange" else [])
    titles = {"activate": _("Activate {number}", number=number.e164),
              "deactivate": _("Deactivate {number}", number=number.e164),
              "reactivate": _("Reactivate {number}", number=number.e164),
              "exchange": _("Exchange {number}", number=number.e164)}
    return render_template(
        "portal/number_confirm.html", number=number, action=action, error=error,
        title=titles[action],
        holder=number.holder, keys=keys_targeting(number),
        replacements=[n for n in replacements if n.id != number.id]), status
