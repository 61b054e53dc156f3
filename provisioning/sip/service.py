"""SIP accounts: one per telephoning employee, on the tenant's SIP domain.

The username is random and stable ("u" + 8 digits): numbers get exchanged, the account stays.
The password is generated, stored encrypted with the instance keys (phones must receive it in
clear) and never part of an ordinary answer; reading it is journaled.
"""

from __future__ import annotations

import secrets

from flask import current_app
from sqlalchemy import inspect, select

from provisioning.crypto import generate_password, secret_box
from provisioning.employees.models import Employee
from provisioning.errors import Conflict, NotFound, ValidationFailed
from provisioning.extensions import db
from provisioning.journal.recorder import record
from provisioning.sip.models import SipAccount

_USERNAME_ATTEMPTS = 20


def _new_username(tenant_id: int) -> str:
    for _ in range(_USERNAME_ATTEMPTS):
        candidate = f"u{secrets.randbelow(10**8):08d}"
        clash = db.session.execute(select(SipAccount.id).where(
            SipAccount.tenant_id == tenant_id, SipAccount.username == candidate,
        )).first()
        if clash is None:
            return candidate
    # 10**8 names per tenant: reaching this means something else is wrong.
    raise Conflict("No free SIP username was found; try again", error_id="sip_username_exhausted")


def _new_password() -> tuple[str, str]:
    clear = generate_password(int(current_app.config["SIP_PASSWORD_LENGTH"]))
    return clear, secret_box().encrypt(clear)


def ensure_sip_account(employee: Employee) -> SipAccount:
    """The employee's SIP account, created (enabled, with a fresh password) if missing."""
    if employee.sip_account is None:
        _, encrypted = _new_password()
        employee.sip_account = SipAccount(
            tenant_id=employee.tenant_id, username=_new_username(employee.tenant_id),
            password_encrypted=encrypted, enabled=True,
        )
    return employee.sip_account


def remove_sip_account(employee: Employee) -> None:
    account = employee.sip_account
    employee.sip_account = None
    # Deleted explicitly, not left to the database's cascade: the journal must see it go.
    if account is not None and inspect(account).persistent:
        db.session.delete(account)


def get_sip_account(employee: Employee) -> SipAccount:
    if employee.sip_account is None:
        raise NotFound("sip account")
    return employee.sip_account


def set_enabled(employee: Employee, enabled: bool) -> SipAccount:
    account = get_sip_account(employee)
    if enabled and employee.personal_number_id is None:
        raise ValidationFailed(
            "A SIP account cannot work without a personal number; assign one first",
            error_id="personal_number_required",
        )
    account.enabled = enabled
    db.session.flush()
    return account


def regenerate_password(employee: Employee) -> str:
    """A new password; the clear text is returned once (the journal masks it)."""
    account = get_sip_account(employee)
    clear, account.password_encrypted = _new_password()
    db.session.flush()
    return clear


def sip_password_clear(sip_account: SipAccount) -> str:
    """The clear password, for the files a phone receives. Not journaled: callers hand it to the
    phone, not to a person."""
    return secret_box().decrypt(sip_account.password_encrypted)


def reveal_password(employee: Employee) -> str:
    """The clear password for an admin who asked for it; the reading is journaled."""
    account = get_sip_account(employee)
    record(db.session, action="reveal_sip_password", object_type=SipAccount.__tablename__,
           object_id=account.id, tenant_id=account.tenant_id,
           changes={"employee_id": employee.id, "username": account.username})
    return sip_password_clear(account)
