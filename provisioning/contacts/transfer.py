"""Import and export of contacts (CSV, vCard): all or nothing.

Every row is checked before anything is added: the first bad one is reported with its line and
field, and nothing is stored. Limits: IMPORT_MAX_BYTES and IMPORT_MAX_CONTACTS per file (a larger
phonebook is imported in several files); above them the file is refused (413) before parsing.
Export gives what the caller may see (another account's private contacts never), and an
exported file imports back to the same contacts.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from sqlalchemy import select

from provisioning.common.api import resolve_tenant_id
from provisioning.contacts import csvio, vcardio
from provisioning.contacts.models import Contact, ContactGroup
from provisioning.contacts.schemas import ContactSchema, normalize_number
from provisioning.contacts.service import (
    _loaded,
    build_contact,
    check_may_write,
    sees_private,
    visible,
)
from provisioning.context import current_actor
from provisioning.errors import DomainError
from provisioning.extensions import db
from provisioning.sites.service import scoped

IMPORT_MAX_BYTES = 5 * 1024 * 1024
IMPORT_MAX_CONTACTS = 20_000
READERS = {"csv": csvio.read, "vcard": vcardio.read}
WRITERS = {"csv": (csvio.write, "text/csv; charset=utf-8", "contacts.csv"),
           "vcard": (vcardio.write, "text/vcard; charset=utf-8", "contacts.vcf")}
_FIELDS = ContactSchema(only=("first_name", "last_name", "company", "email", "notes",
                              "favourite", "private"))


class TooLarge(DomainError):
    status = 413
    error_id = "payload_too_large"


def _check(line: int, raw: dict[str, Any]) -> dict[str, Any]:
    names = ("first_name", "last_name", "company", "email", "notes", "favourite", "private")
    fields: dict[str, Any] = {k: raw[k] for k in names if k in raw}
    try:
        data = _FIELDS.load(fields)
    except ma.ValidationError as exc:
        messages = exc.normalized_messages()
        field = next(iter(messages))
        detail = messages[field]
        raise csvio.line_error(line, None if field == "_schema" else field,
                               "; ".join(map(str, detail)) if isinstance(detail, list)
                               else str(detail)) from exc
    numbers = []
    for kind, number in raw["numbers"]:
        try:
            numbers.append({"kind": kind, "number": normalize_number(number)})
        except ma.ValidationError as exc:
            raise csvio.line_error(line, kind, f"{number!r}: {exc.messages[0]}") from exc
    if len(numbers) > 20:
        raise csvio.line_error(line, None, "more than 20 numbers")
    data["numbers"] = numbers
    return data


def import_contacts(data: bytes, args: dict[str, Any]) -> dict[str, Any]:
    if len(data) > IMPORT_MAX_BYTES:
        raise TooLarge(f"The file has {len(data)} bytes; at most {IMPORT_MAX_BYTES} are imported "
                       "at once: split it and import the parts")
    tenant_id = resolve_tenant_id(args.get("tenant_id"))
    admin = sees_private()
    groups = {g.name: g for g in db.session.execute(
        select(ContactGroup).where(ContactGroup.tenant_id == tenant_id)).scalars()}
    rows: list[tuple[int, dict[str, Any], list[str]]] = []
    for line, raw in READERS[args.get("format", "csv")](data):
        if len(rows) >= IMPORT_MAX_CONTACTS:
            raise TooLarge(f"More than {IMPORT_MAX_CONTACTS} contacts in one file: split it")
        row = _check(line, raw)
        if "private" not in raw:
            row["private"] = not admin  # users keep private contacts only
        if not admin and not row["private"]:
            raise csvio.line_error(line, "private", "public contacts are kept by admins")
        if raw["groups"] and row["private"]:
            raise csvio.line_error(line, "groups", "only public contacts are in groups")
        rows.append((line, row, raw["groups"]))
    check_may_write(all(r["private"] for _, r, _ in rows))
    created = []
    for name in sorted({n for _, _, names in rows for n in names} - set(groups)):
        if len(name) > 100:
            line = next(line for line, _, names in rows if name in names)
            raise csvio.line_error(line, "groups", "a group name has at most 100 characters")
        groups[name] = ContactGroup(tenant_id=tenant_id, name=name)
        created.append(name)
    db.session.add_all(groups[name] for name in created)
    db.session.flush()
    owner = current_actor().account_id
    db.session.add_all(
        build_contact(tenant_id, {**row, "group_ids": [groups[n].id for n in names]}, owner)
        for _, row, names in rows)
    db.session.flush()
    return {"imported": len(rows), "groups_created": created}


def export_contacts(args: dict[str, Any]) -> tuple[bytes, str, str]:
    """(body, content type, file name) of what the caller sees."""
    stmt = _loaded(select(Contact)).order_by(Contact.last_name, Contact.first_name, Contact.id)
    contacts = db.session.execute(visible(scoped(stmt, Contact, args))).scalars().all()
    group_ids = {m.group_id for c in contacts for m in c.memberships}
    names = dict(db.session.execute(select(ContactGroup.id, ContactGroup.name).where(
        ContactGroup.id.in_(group_ids))).all()) if group_ids else {}
    write, content_type, filename = WRITERS[args.get("format", "csv")]
    return write(contacts, names), content_type, filename
