"""The demo tenant `make run` brings up: a company with two sites, numbers, two employees with
SIP accounts, a snom and a Yealink phone assigned to them with BLF keys on each other, and a few
contacts (a "Sales" group, one private contact of demo-user).

Seeded once: a second run finds the tenant and changes nothing. Passwords are generated and
written to <instance>/demo-credentials.json (mode 0600); `demo-run` prints them at each start.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from provisioning.accounts.models import Account, Role
from provisioning.contacts.models import Contact, ContactGroup, ContactGroupMember, ContactNumber
from provisioning.context import Actor, acting_as
from provisioning.crypto import generate_password, secret_box
from provisioning.devices.models import Device, FunctionKey, KeyKind, PhonebookMode
from provisioning.employees.models import Employee
from provisioning.extensions import db
from provisioning.numbers.models import NumberStatus, PhoneNumber
from provisioning.sip.models import SipAccount
from provisioning.sites.models import Network, Site
from provisioning.tenants.models import Tenant

DEMO_CUSTOMER_NUMBER = "DEMO-0001"
CREDENTIALS_FILE = "demo-credentials.json"

# MACs inside the vendors' own OUIs (snom 00:04:13, Yealink 80:5e:c0), as real phones carry.
SNOM_MAC = "000413a1b2c3"
YEALINK_MAC = "805ec0a1b2c4"


def _login_password() -> str:
    # Long enough for any policy level; letters and digits so that it survives shells and URLs.
    return "demo-" + secrets.token_urlsafe(18)


def seed_demo(instance_path: str) -> dict | None:
    """Create the demo once; return the credentials if it was created now, else None."""
    if db.session.execute(
        select(Tenant).where(Tenant.customer_number == DEMO_CUSTOMER_NUMBER)
    ).scalar_one_or_none():
        return None
    with acting_as(Actor(label="demo-seed", via="cli")):
        creds = _create()
        db.session.commit()
    path = Path(instance_path) / CREDENTIALS_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(creds, fh, indent=2)
        fh.write("\n")
    return creds


def load_credentials(instance_path: str) -> dict | None:
    path = Path(instance_path) / CREDENTIALS_FILE
    return json.loads(path.read_text()) if path.exists() else None


def _account(username: str, role: Role, tenant: Tenant | None, creds: dict) -> Account:
    password = _login_password()
    account = Account(
        username=username,
        role=role,
        tenant_id=tenant.id if tenant else None,
        password_hash=generate_password_hash(password),
        language="en",
    )
    db.session.add(account)
    creds[role.value] = {"username": username, "password": password}
    return account


def _employee(
    tenant: Tenant, name: str, number: PhoneNumber, site: Site, sip_user: str
) -> Employee:
    employee = Employee(
        tenant_id=tenant.id, display_name=name, personal_number=number, site_id=site.id
    )
    db.session.add(employee)
    db.session.flush()
    db.session.add(
        SipAccount(
            tenant_id=tenant.id,
            employee_id=employee.id,
            username=sip_user,
            password_encrypted=secret_box().encrypt(generate_password()),
        )
    )
    return employee


def _create() -> dict:
    creds: dict = {}
    tenant = Tenant(
        name="Demo GmbH",
        customer_number=DEMO_CUSTOMER_NUMBER,
        sip_domain="demo.provisioning.test",
        min_password_strength=2,
    )
    db.session.add(tenant)
    db.session.flush()
    creds["tenant_id"] = tenant.id
    _account("demo-operator", Role.OPERATOR, None, creds)
    _account("demo-admin", Role.SUPERADMIN, tenant, creds)
    user_account = _account("demo-user", Role.USER, tenant, creds)

    berlin = Site(
        tenant_id=tenant.id,
        name="Berlin",
        language="de",
        timezone="Europe/Berlin",
        ntp_server="de.pool.ntp.org",
    )
    london = Site(
        tenant_id=tenant.id,
        name="London",
        language="en",
        timezone="Europe/London",
        ntp_server="uk.pool.ntp.org",
    )
    db.session.add_all([berlin, london])
    db.session.flush()
    # Loopback is the demo's "office LAN", so that a phone simulated with curl on this machine
    # is seen from the tenant's network.
    db.session.add(Network(tenant_id=tenant.id, site_id=berlin.id, cidr="127.0.0.0/8"))

    numbers = []
    for i in range(10):
        number = PhoneNumber(
            tenant_id=tenant.id,
            e164=f"+4930555010{i}",
            status=NumberStatus.ACTIVE if i < 4 else NumberStatus.INACTIVE,
        )
        numbers.append(number)
    db.session.add_all(numbers)
    db.session.flush()

    anna = _employee(tenant, "Anna Schmidt", numbers[0], berlin, "u10000001")
    ben = _employee(tenant, "Ben Miller", numbers[1], london, "u10000002")
    anna.account_id = user_account.id
    db.session.flush()

    snom = Device(
        tenant_id=tenant.id,
        mac=SNOM_MAC,
        vendor="snom",
        model="D785",
        label="Anna's desk",
        employee_id=anna.id,
        site_id=berlin.id,
        phonebook_mode=PhonebookMode.ALL,
    )
    yealink = Device(
        tenant_id=tenant.id,
        mac=YEALINK_MAC,
        vendor="yealink",
        model="T54W",
        label="Ben's desk",
        employee_id=ben.id,
        site_id=london.id,
        phonebook_mode=PhonebookMode.ALL,
    )
    db.session.add_all([snom, yealink])
    db.session.flush()
    for device, colleague in ((snom, ben), (yealink, anna)):
        db.session.add_all(
            [
                FunctionKey(
                    tenant_id=tenant.id,
                    device_id=device.id,
                    position=1,
                    kind=KeyKind.LINE,
                    line=1,
                    label="Line",
                ),
                FunctionKey(
                    tenant_id=tenant.id,
                    device_id=device.id,
                    position=2,
                    kind=KeyKind.BLF,
                    target_employee_id=colleague.id,
                    line=1,
                    label=colleague.display_name,
                ),
            ]
        )
    _contacts(tenant, user_account)
    creds["devices"] = {"snom": SNOM_MAC, "yealink": YEALINK_MAC}
    return creds


def _contacts(tenant: Tenant, user_account: Account) -> None:
    """A few public contacts (two in a "Sales" group) and one private contact of demo-user, so
    that the phones' phonebooks have entries beside the employees."""
    sales = ContactGroup(tenant_id=tenant.id, name="Sales")
    db.session.add(sales)
    db.session.flush()
    rows = (
        ("Julia", "Weber", "Weber Logistik", [("office", "+493012345670"),
                                              ("mobile", "+4917012345671")], True, False),
        ("Tom", "Becker", "Becker & Söhne", [("office", "+494098765432")], True, False),
        ("", "", "Pizzeria Roma", [("office", "+49305550199")], False, False),
        ("Lea", "Kaya", "", [("mobile", "+4915112345678")], False, True),  # demo-user's own
    )
    for first, last, company, numbers, in_sales, private in rows:
        contact = Contact(tenant_id=tenant.id, first_name=first, last_name=last, company=company,
                          private=private, owner_account_id=user_account.id if private else None)
        contact.numbers = [ContactNumber(tenant_id=tenant.id, position=i, kind=kind, number=n)
                           for i, (kind, n) in enumerate(numbers)]
        if in_sales:
            contact.memberships = [ContactGroupMember(tenant_id=tenant.id, group_id=sales.id)]
        db.session.add(contact)
