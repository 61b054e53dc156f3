"""Factory helpers for tests: build objects straight through the models, sign in through the API.

``make_*(**overrides)`` create rows and commit them: the commit only releases a savepoint inside
the test's outer transaction, which is rolled back after the test. They must commit, because the
test client's requests share the test's session, and a request that fails rolls back.
``headers_for(account)`` returns Authorization headers for an account (its token is issued as
the login route would).
"""

from __future__ import annotations

import itertools

from werkzeug.security import generate_password_hash

from provisioning.accounts.models import Account, Role
from provisioning.accounts.tokens import issue_token
from provisioning.extensions import db
from provisioning.tenants.models import Tenant

_seq = itertools.count(1)

STRONG_PASSWORD = "Correct-Horse-Battery-Staple-42"


def make_tenant(**overrides) -> Tenant:
    n = next(_seq)
    values = {
        "name": f"Tenant {n}",
        "customer_number": f"C{n:05d}",
        "sip_domain": f"t{n}.sip.test",
        "min_password_strength": 2,
    }
    values.update(overrides)
    tenant = Tenant(**values)
    db.session.add(tenant)
    db.session.commit()
    return tenant


def make_account(
    role: Role | str = Role.ADMIN, tenant: Tenant | None = None, **overrides
) -> Account:
    role = Role(role)
    n = next(_seq)
    if role is not Role.OPERATOR and tenant is None:
        tenant = make_tenant()
    values = {
        "username": f"{role.value}{n}",
        "role": role,
        "tenant_id": None if role is Role.OPERATOR else tenant.id,
        "password_hash": generate_password_hash(STRONG_PASSWORD),
    }
    values.update(overrides)
    account = Account(**values)
    db.session.add(account)
    db.session.commit()
    return account


def headers_for(account: Account) -> dict[str, str]:
    token, _ = issue_token(account)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}
