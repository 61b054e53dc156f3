"""Factories for contacts; they commit (flushing first, so the render store follows), like
tests/factories.py."""

from __future__ import annotations

import itertools

from provisioning.accounts.models import Account
from provisioning.contacts.models import Contact, ContactGroup, ContactGroupMember, ContactNumber
from provisioning.extensions import db
from provisioning.tenants.models import Tenant
from tests.factories_phones import save

_seq = itertools.count(1)


def make_contact(tenant: Tenant, last_name: str | None = None, *, first_name: str = "",
                 numbers: list[tuple[str, str]] | None = None, private: bool = False,
                 owner: Account | None = None, groups: list[ContactGroup] = (),
                 favourite: bool = False, **overrides) -> Contact:
    n = next(_seq)
    if numbers is None:
        numbers = [("office", f"+4940777{n:05d}")]
    contact = Contact(tenant_id=tenant.id, first_name=first_name,
                      last_name=last_name if last_name is not None else f"Contact {n}",
                      company=overrides.pop("company", ""), private=private,
                      favourite=favourite, owner_account_id=owner.id if owner else None,
                      **overrides)
    contact.numbers = [ContactNumber(tenant_id=tenant.id, position=i, kind=kind, number=number)
                       for i, (kind, number) in enumerate(numbers)]
    contact.memberships = [ContactGroupMember(tenant_id=tenant.id, group_id=g.id)
                           for g in groups]
    db.session.add(contact)
    save()
    return contact
