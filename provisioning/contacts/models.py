"""The tenant's phonebook: contacts, their numbers, groups and who is in which group.

A contact is public (every account of the tenant sees it) or private (only the account that
made it, and the tenant's admins). Employees are not copied in here: the phonebook renderer
adds them from the employees table when a device's phonebook is built.
"""

from __future__ import annotations

import enum

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from provisioning.common.models import Journaled, TenantOwned, Timestamped, Versioned
from provisioning.extensions import db


class NumberKind(enum.StrEnum):
    OFFICE = "office"
    MOBILE = "mobile"
    HOME = "home"
    OTHER = "other"


class ContactGroup(Journaled, Versioned, Timestamped, TenantOwned, db.Model):
    """A phonebook group; a device may receive one group instead of the whole phonebook."""

    __tablename__ = "contact_groups"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class Contact(Journaled, Versioned, Timestamped, TenantOwned, db.Model):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    company: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Favourites are kept first when a phone holds fewer entries than the phonebook has.
    favourite: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    private: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(),
                                          index=True)
    # The account that made it: the only non-admin who sees it when private.
    owner_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True, index=True)

    numbers = relationship("ContactNumber", order_by="ContactNumber.position",
                           cascade="all, delete-orphan", passive_deletes=True)
    memberships = relationship("ContactGroupMember", cascade="all, delete-orphan",
                               passive_deletes=True)


class ContactNumber(Journaled, TenantOwned, db.Model):
    __tablename__ = "contact_numbers"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"),
                                            index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[NumberKind] = mapped_column(
        Enum(NumberKind, name="contact_number_kind", native_enum=False, create_constraint=True,
             length=16, values_callable=lambda e: [m.value for m in e]))
    # Dialable form: digits, optionally a leading '+', '*' and '#' (noise removed on input).
    number: Mapped[str] = mapped_column(String(32))


class ContactGroupMember(Journaled, TenantOwned, db.Model):
    """A row (not a plain association table) so that membership changes are journaled and seen
    by the phonebook invalidation like any other row."""

    __tablename__ = "contact_group_members"
    __table_args__ = (UniqueConstraint("contact_id", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)  # the journal names rows by id
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("contact_groups.id", ondelete="CASCADE"),
                                          index=True)


def _group_ids(contact: Contact) -> list[int]:
    return sorted(m.group_id for m in contact.memberships)


Contact.group_ids = property(_group_ids)  # type: ignore[attr-defined]
