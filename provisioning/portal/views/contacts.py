"""The phonebook: public contacts (kept by admins) and one's own private ones, searched in the
database; a contact with one number is added here, more through the API or an import."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for

from provisioning.common.api import paginate
from provisioning.contacts import service, transfer
from provisioning.contacts.schemas import ContactSchema, ExportArgs, ImportArgs
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


@bp.route("/contacts/import", methods=["POST"])
def contacts_import():
    """A CSV or vCard file, all or nothing: the first bad line is shown with its field."""
    upload = request.files.get("file")
    try:
        args = load(ImportArgs(), values(["format"]))
        result = transfer.import_contacts(upload.read() if upload else b"", args)
    except FAILURES as exc:
        error = problem(exc)
        page = paginate(service.list_contacts(page_args()), page_args())
        return render_template("portal/contacts.html", page=page, q="", error=error,
                               admin=service.sees_private()), error.status
    flash(_("{n} contacts were imported.", n=result["imported"]), "success")
    return redirect(url_for("portal.contacts"))


@bp.route("/contacts/export")
def contacts_export():
    args = ExportArgs().load({k: v for k, v in request.args.items() if k == "format"})
    body, content_type, filename = transfer.export_contacts(args)
    return Response(body, content_type=content_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
