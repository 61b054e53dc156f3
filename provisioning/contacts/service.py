"""Contacts: who sees which, who may change which, and their numbers and groups.

Visibility: a public contact is seen by every account of its tenant; a private one only by the
account that made it and by admins (superadmin, admin, and operators, who administer every
tenant). Users keep private contacts only; public contacts and groups are the admins'. Another
account's private contact is answered as not found, exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import selectinload

from provisioning.accounts.auth import ADMINS
from provisioning.common.api import get_owned, resolve_tenant_id
from provisioning.contacts.models import (
    Contact,
    ContactGroup,
    ContactGroupMember,
    ContactNumber,
)
from provisioning.context import current_actor
from provisioning.errors import Forbidden, NotFound, ValidationFailed
from provisioning.extensions import db
from provisioning.sites.service import scoped

_ADMIN_ROLES = frozenset(r.value for r in ADMINS)
FIELDS = ("first_name", "last_name", "company", "email", "notes", "favourite", "private")


def sees_private() -> bool:
    return current_actor().role in _ADMIN_ROLES


def visible(stmt: Select) -> Select:
    """Restrict a query on Contact to what the caller may see."""
    if sees_private():
        return stmt
    account_id = current_actor().account_id
    return stmt.where(or_(Contact.private.is_(False),
                          Contact.owner_account_id == (account_id if account_id else -1)))


def _loaded(stmt: Select) -> Select:
    return stmt.options(selectinload(Contact.numbers), selectinload(Contact.memberships))


def list_contacts(args: dict[str, Any]) -> Select:
    stmt = _loaded(select(Contact)).order_by(Contact.last_name, Contact.first_name,
                                             Contact.company, Contact.id)
    stmt = visible(scoped(stmt, Contact, args))
    if args.get("q"):
        like = f"%{args['q']}%"
        stmt = stmt.where(or_(
            Contact.first_name.ilike(like), Contact.last_name.ilike(like),
            Contact.company.ilike(like), Contact.email.ilike(like),
            exists().where(ContactNumber.contact_id == Contact.id,
                           ContactNumber.number.like(f"%{args['q'].replace(' ', '')}%"))))
    if args.get("group_id") is not None:
        stmt = stmt.where(Contact.id.in_(select(ContactGroupMember.contact_id).where(
            ContactGroupMember.group_id == args["group_id"])))
    if args.get("private") is not None:
        stmt = stmt.where(Contact.private.is_(args["private"]))
    return stmt


def get_contact(contact_id: int) -> Contact:
    contact = get_owned(Contact, contact_id, "contact")
    if contact.private and not sees_private() \
            and contact.owner_account_id != current_actor().account_id:
        raise NotFound("contact")
    return contact


def check_may_write(private: bool) -> None:
    if not private and not sees_private():
        raise Forbidden("Public contacts are kept by admins; yours can be private ones",
                        error_id="public_contacts_by_admins")


def _groups(tenant_id: int, group_ids: list[int], private: bool) -> list[int]:
    wanted = sorted(set(group_ids))
    if not wanted:
        return []
    if private:
        raise ValidationFailed("Only public contacts are in groups",
                               details={"fields": {"group_ids": ["must be empty"]}})
    found = set(db.session.execute(select(ContactGroup.id).where(
        ContactGroup.id.in_(wanted), ContactGroup.tenant_id == tenant_id)).scalars())
    missing = [g for g in wanted if g not in found]
    if missing:
        raise NotFound("contact group", details={"group_ids": missing})
    return wanted


def _set_numbers(contact: Contact, numbers: list[dict[str, Any]]) -> None:
    contact.numbers = [ContactNumber(tenant_id=contact.tenant_id, position=i, kind=n["kind"],
                                     number=n["number"]) for i, n in enumerate(numbers)]


def _set_groups(contact: Contact, group_ids: list[int]) -> None:
    # Keep rows that stay (delete+insert of the same pair would meet the unique constraint).
    keep = [m for m in contact.memberships if m.group_id in group_ids]
    have = {m.group_id for m in keep}
    contact.memberships = keep + [
        ContactGroupMember(tenant_id=contact.tenant_id, group_id=g)
        for g in group_ids if g not in have]


def build_contact(tenant_id: int, data: dict[str, Any], owner_account_id: int | None) -> Contact:
    """A new contact (not yet added to the session); import uses it for each row."""
    contact = Contact(tenant_id=tenant_id, owner_account_id=owner_account_id,
                      **{k: data[k] for k in FIELDS if k in data})
    _set_numbers(contact, data.get("numbers") or [])
    contact.memberships = [ContactGroupMember(tenant_id=tenant_id, group_id=g)
                           for g in sorted(set(data.get("group_ids") or []))]
    return contact


def create_contact(data: dict[str, Any]) -> Contact:
    tenant_id = resolve_tenant_id(data.get("tenant_id"))
    private = bool(data.get("private"))
    check_may_write(private)
    data = {**data, "group_ids": _groups(tenant_id, data.get("group_ids") or [], private)}
    contact = build_contact(tenant_id, data, current_actor().account_id)
    db.session.add(contact)
    db.session.flush()
    return contact


def update_contact(contact: Contact, data: dict[str, Any]) -> Contact:
    check_may_write(contact.private)
    private = data.get("private", contact.private)
    check_may_write(private)
    current: list[int] = contact.group_ids  # type: ignore[attr-defined]
    group_ids: list[int] = list(data.get("group_ids", current))
    if private and "group_ids" not in data:
        group_ids = []  # a contact made private leaves its groups
    group_ids = _groups(contact.tenant_id, group_ids, private)
    for key in FIELDS:
        if key in data:
            setattr(contact, key, data[key])
    if "numbers" in data:
        _set_numbers(contact, data["numbers"])
    _set_groups(contact, group_ids)
    db.session.flush()
    return contact


def delete_contact(contact: Contact) -> None:
    check_may_write(contact.private)
    db.session.delete(contact)
    db.session.flush()
