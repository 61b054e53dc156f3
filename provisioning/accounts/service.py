"""Accounts: who may see, create, change and delete which account.

Roles rank operator > superadmin > admin > user; nobody gives a role above their own. An admin
cannot touch a superadmin, and a tenant keeps at least one superadmin once it has one. A user sees
and changes only its own account. Operator accounts (no tenant) exist only for operators.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select

from provisioning.accounts import policy
from provisioning.accounts.models import Account, Role
from provisioning.accounts.tokens import revoke_all_tokens
from provisioning.common.api import get_owned, resolve_tenant_id, tenant_filter
from provisioning.context import current_actor
from provisioning.errors import Conflict, Forbidden, NotFound, ValidationFailed
from provisioning.extensions import db
from provisioning.tenants.models import Tenant

RANK = {Role.USER: 1, Role.ADMIN: 2, Role.SUPERADMIN: 3, Role.OPERATOR: 4}
SELF_SERVICE_FIELDS = {"email", "language"}


def _actor_role() -> Role:
    role = current_actor().role
    if role is None:
        raise Forbidden("not signed in")
    return Role(role)


def visible_accounts(args: dict[str, Any]) -> Select:
    actor = current_actor()
    stmt = select(Account).order_by(Account.id)
    if actor.is_operator:
        if args.get("tenant_id") is not None:
            stmt = stmt.where(Account.tenant_id == args["tenant_id"])
    else:
        stmt = tenant_filter(stmt, Account)
        if actor.role == Role.USER:
            stmt = stmt.where(Account.id == (actor.account_id or -1))
    if args.get("role") is not None:
        stmt = stmt.where(Account.role == args["role"])
    if args.get("q"):
        needle = args["q"].lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(func.lower(Account.username).like(f"%{needle}%", escape="\\"))
    return stmt


def get_account(account_id: int) -> Account:
    """The account in the caller's tenant; for a user only its own; else 404."""
    account = get_owned(Account, account_id, "account")
    actor = current_actor()
    if actor.role == Role.USER and account.id != actor.account_id:
        raise NotFound("account")
    return account


def _may_grant(role: Role) -> None:
    if RANK[role] > RANK[_actor_role()]:
        raise Forbidden("Nobody may give a role higher than their own", error_id="role_too_high",
                        details={"fields": {"role": [f"{role.value} is above your role"]}})


def _guard_superadmin(target: Account) -> None:
    if target.role is Role.SUPERADMIN and _actor_role() is Role.ADMIN:
        raise Forbidden("An admin cannot change or delete a superadmin",
                        error_id="superadmin_protected")


def _guard_last_superadmin(target: Account) -> None:
    if target.role is not Role.SUPERADMIN:
        return
    count = db.session.execute(select(func.count()).select_from(Account).where(
        Account.tenant_id == target.tenant_id, Account.role == Role.SUPERADMIN)).scalar_one()
    if count <= 1:
        raise Conflict("A tenant's last superadmin cannot be deleted or demoted",
                       error_id="last_superadmin")


def _check_username_free(username: str) -> None:
    taken = db.session.execute(select(Account.id).where(
        func.lower(Account.username) == username.lower())).first()
    if taken is not None:
        raise Conflict("This username is taken", error_id="username_taken",
                       details={"fields": {"username": ["already exists"]}})


def create_account(data: dict[str, Any]) -> Account:
    role: Role = data["role"]
    _may_grant(role)
    if role is Role.OPERATOR:
        if data.get("tenant_id") is not None:
            raise ValidationFailed(
                "Operators belong to no tenant",
                details={"fields": {"tenant_id": ["must be empty for operators"]}})
        tenant_id, tenant = None, None
    else:
        tenant_id = resolve_tenant_id(data.get("tenant_id"))
        tenant = db.session.get(Tenant, tenant_id)
    _check_username_free(data["username"])
    policy.check_password(data["password"], tenant, [data["username"], data.get("email")])
    account = Account(tenant_id=tenant_id, username=data["username"], role=role,
                      email=data.get("email"), language=data.get("language"))
    policy.set_password(account, data["password"])
    db.session.add(account)
    db.session.flush()
    return account


def _change_role(account: Account, role: Role) -> bool:
    if role is account.role:
        return False
    _may_grant(role)
    if (role is Role.OPERATOR) != (account.role is Role.OPERATOR):
        # Operators have no tenant and tenant roles need one; that is a different account.
        raise ValidationFailed("An account cannot move between operator and tenant roles",
                               details={"fields": {"role": ["create a new account instead"]}})
    _guard_last_superadmin(account)
    account.role = role
    return True


def update_account(account: Account, data: dict[str, Any]) -> Account:
    actor = current_actor()
    own = account.id == actor.account_id
    if _actor_role() is Role.USER:
        refused = sorted(data.keys() - SELF_SERVICE_FIELDS)
        if refused:
            raise Forbidden("You may change only your e-mail address and language",
                            details={"fields": refused})
    _guard_superadmin(account)
    revoke = False
    if "password" in data:
        if own:
            # Changing one's own password needs the current one (a stolen token is not enough).
            raise Forbidden("Change your own password with PUT /api/v1/me/password",
                            error_id="use_password_change")
        policy.check_password(data["password"], account.tenant, [account.username, account.email])
        policy.set_password(account, data["password"])
        revoke = True
    if "role" in data:
        revoke = _change_role(account, data["role"]) or revoke
    for key in SELF_SERVICE_FIELDS & data.keys():
        setattr(account, key, data[key])
    if revoke:
        # New credentials or rights: every session of the account must sign in again.
        revoke_all_tokens(account.id)
    db.session.flush()
    return account


def delete_account(account: Account) -> None:
    _guard_superadmin(account)
    _guard_last_superadmin(account)
    db.session.delete(account)
    db.session.flush()


def policy_tenant(tenant_id: int | None) -> Tenant | None:
    """Whose password policy the caller asks about: its own tenant's; an operator may name one."""
    actor = current_actor()
    if actor.is_operator:
        if tenant_id is None:
            return None
        tenant = db.session.get(Tenant, tenant_id)
    else:
        if tenant_id is not None and tenant_id != actor.tenant_id:
            raise NotFound("tenant")
        tenant = db.session.get(Tenant, actor.tenant_id) if actor.tenant_id else None
    if tenant_id is not None and tenant is None:
        raise NotFound("tenant")
    return tenant
