"""What a device's phonebook holds, read from the database.

* mode "all": every public contact of the tenant and every telephoning employee with their
  personal number (derived here at each rendering, never copied into contacts);
* mode "group": the public contacts of that group;
* mode "none": no phonebook (and no phonebook URL in the device's configuration);
* ``phonebook_private`` adds the private contacts of the account of the device's employee.
  Nobody else's private contact is ever selected.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, String, and_, or_, select, type_coerce
from sqlalchemy.orm import Session

from phonebook_sync.entries import Entry, display_name


@dataclass(frozen=True)
class Selection:
    tenant_id: int
    mode: str  # "all" or "group"
    group_id: int | None = None
    private_account_id: int | None = None  # add this account's private contacts

    @property
    def key(self) -> str:
        return (f"{self.tenant_id}:{self.mode}:{self.group_id or '-'}:"
                f"{self.private_account_id or '-'}")


def selection_for(device) -> Selection | None:
    """The device's selection, None when it gets no phonebook. No database access beyond the
    device's already loaded employee."""
    mode = getattr(device.phonebook_mode, "value", device.phonebook_mode)
    if mode == "none" or (mode == "group" and device.phonebook_group_id is None):
        return None
    account_id = None
    if device.phonebook_private and device.employee is not None:
        account_id = device.employee.account_id
    return Selection(device.tenant_id, mode, device.phonebook_group_id if mode == "group"
                     else None, account_id)


def _contacts_condition(selection: Selection):
    from provisioning.contacts.models import Contact, ContactGroupMember

    public: ColumnElement[bool] = Contact.private.is_(False)
    if selection.mode == "group":
        public = and_(public, Contact.id.in_(
            select(ContactGroupMember.contact_id)
            .where(ContactGroupMember.group_id == selection.group_id)))
    if selection.private_account_id is not None:
        mine = and_(Contact.private.is_(True),
                    Contact.owner_account_id == selection.private_account_id)
        return and_(Contact.tenant_id == selection.tenant_id, or_(public, mine))
    return and_(Contact.tenant_id == selection.tenant_id, public)


def load_entries(session: Session, selection: Selection) -> list[Entry]:
    """One query, contacts joined with their numbers (a contact without a number has nothing
    to dial from a phone, so it is not listed); the kind is read as plain text, not as the
    enum, which costs more than the query itself at 100,000 rows."""
    from provisioning.contacts.models import Contact, ContactNumber

    rows = session.connection().execute(  # Core rows: no ORM loading machinery
        select(Contact.id, Contact.first_name, Contact.last_name, Contact.company,
               Contact.favourite, type_coerce(ContactNumber.kind, String()),
               ContactNumber.number)
        .join(ContactNumber, ContactNumber.contact_id == Contact.id)
        .where(_contacts_condition(selection))
        .order_by(Contact.id, ContactNumber.position, ContactNumber.id))
    entries = []
    current, head, numbers = None, None, []
    for contact_id, first, last, company, favourite, kind, number in rows:
        if contact_id != current:
            if head is not None:
                entries.append(Entry(display_name(*head[:3]), tuple(numbers), bool(head[3])))
            current, head, numbers = contact_id, (first, last, company, favourite), []
        numbers.append((kind, number))
    if head is not None:
        entries.append(Entry(display_name(*head[:3]), tuple(numbers), bool(head[3])))
    if selection.mode == "all":
        entries.extend(employee_entries(session, selection.tenant_id))
    return entries


def employee_entries(session: Session, tenant_id: int) -> list[Entry]:
    from provisioning.employees.models import Employee
    from provisioning.numbers.models import PhoneNumber

    rows = session.execute(
        select(Employee.display_name, PhoneNumber.e164)
        .join(PhoneNumber, PhoneNumber.id == Employee.personal_number_id)
        .where(Employee.tenant_id == tenant_id, Employee.telephony.is_(True)))
    return [Entry(name, (("office", e164),)) for name, e164 in rows]


def group_name(session: Session, group_id: int | None) -> str | None:
    from provisioning.contacts.models import ContactGroup

    if group_id is None:
        return None
    return session.execute(
        select(ContactGroup.name).where(ContactGroup.id == group_id)).scalar_one_or_none()
