"""The phonebook: public contacts (kept by admins) and one's own private ones, searched in the
database; a contact with one number is added here, more through the API or an import."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from provisioning.common.api import paginate
from provisioning.contacts import service
from provisioning.contacts.schemas import ContactSchema
from provisioning.portal.blueprint import bp
from provisioning.portal.forms import FAILURES, checkbox, load, page_args, problem, values
from provisioning.portal.i18n import gettext as _


def _form() -> dict:
    data = values(["first_name", "last_name", "company"], blank_is_none=False)
    number = values(["number", "kind"])
    data["private"] = not service.sees_private() or checkbox("private")
    if number.get("number"):
        data["numbers"] = [{k: v for k, v in number.items() if v}]
    return data


@bp.route("/contacts", methods=["GET", "POST"])
def contacts():
    error, status = None, 200
    if request.method == "POST":
        try:
            if request.form.get("action") == "delete":
                contact = service.get_contact(int(request.form.get("contact_id", "0") or 0))
                service.delete_contact(contact)
                flash(_("The contact was deleted."), "success")
            else:
                contact = service.create_contact(load(ContactSchema(), _form()))
                flash(_("The contact was added."), "success")
        except FAILURES as exc:
            error = problem(exc)
            status = error.status
        else:
            return redirect(url_for("portal.contacts"))
    args = page_args({"q": request.args.get("q", "").strip()[:100]})
    page = paginate(service.list_contacts(args), args)
    return render_template("portal/contacts.html", page=page, q=args["q"], error=error,
                           admin=service.sees_private()), status
