"""What a device's phonebook holds, read from the database.

* mode "all": every public contact of the tenant and every telephoning employee with their
  personal number (derived here at each rendering, never copied into contacts);
* mode "group": the public contacts of that group;
* mode "none": no phonebook (and no phonebook URL in the device's configuration);
* ``phonebook_private`` adds the private contacts of the account of the device's employee.
  Nobody else's private contact is ever selected.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_, select
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
    from provisioning.contacts.models import Contact, ContactNumber

    condition = _contacts_condition(selection)
    numbers: dict[int, list[tuple[str, str]]] = defaultdict(list)
    rows = session.execute(
        select(ContactNumber.contact_id, ContactNumber.kind, ContactNumber.number)
        .join(Contact, Contact.id == ContactNumber.contact_id)
        .where(condition)
        .order_by(ContactNumber.contact_id, ContactNumber.position, ContactNumber.id))
    for contact_id, kind, number in rows:
        numbers[contact_id].append((getattr(kind, "value", kind), number))
    entries = []
    for contact_id, first, last, company, favourite in session.execute(
            select(Contact.id, Contact.first_name, Contact.last_name, Contact.company,
                   Contact.favourite).where(condition)):
        found = numbers.get(contact_id)
        if found:  # a contact without a number has nothing to dial from a phone
            entries.append(Entry(display_name(first, last, company), tuple(found),
                                 bool(favourite)))
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
