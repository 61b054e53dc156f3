"""The change journal with filters: who, which object, when."""

from __future__ import annotations

from flask import flash, render_template, request

from provisioning.common.api import paginate
from provisioning.journal import service
from provisioning.journal.schemas import JournalArgs
from provisioning.portal.blueprint import admin_only, bp
from provisioning.portal.forms import FAILURES, page_args
from provisioning.portal.i18n import gettext as _

FILTERS = ("actor", "via", "action", "object_type", "object_id", "since", "until", "tenant_id")


@bp.route("/journal")
@admin_only
def journal():
    args = page_args()
    raw = {k: v.strip() for k, v in request.args.items() if k in FILTERS and v.strip()}
    try:
        args.update(JournalArgs(exclude=("page", "per_page")).load(raw))
    except FAILURES:
        flash(_("Some filters were not understood and were left out."), "warning")
    page = paginate(service.journal_entries(args), args)
    return render_template("portal/journal.html", page=page, filters=request.args)
