"""Tenants: operators create them and own their contract data; a tenant's admins set its
password policy."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import Select, select

from provisioning.context import current_actor
from provisioning.errors import Forbidden, NotFound, ValidationFailed
from provisioning.extensions import db
from provisioning.tenants.models import Tenant

CONTRACT_FIELDS = {"name", "customer_number", "sip_domain"}
POLICY_FIELDS = {"min_password_strength", "password_max_age_days"}


def visible_tenants() -> Select:
    actor = current_actor()
    stmt = select(Tenant).order_by(Tenant.id)
    if not actor.is_operator:
        stmt = stmt.where(Tenant.id == (actor.tenant_id or -1))
    return stmt


def get_tenant(tenant_id: int) -> Tenant:
    actor = current_actor()
    if not actor.is_operator and actor.tenant_id != tenant_id:
        raise NotFound("tenant")
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound("tenant")
    return tenant


def _check_policy(data: dict[str, Any]) -> None:
    floor = int(current_app.config["PASSWORD_MIN_STRENGTH_DEFAULT"])
    level = data.get("min_password_strength")
    if level is not None and level < floor:
        raise ValidationFailed(
            f"The platform's minimum password strength is {floor}; a tenant may only raise it",
            details={"fields": {"min_password_strength": [f"must be at least {floor}"]}},
        )


def create_tenant(data: dict[str, Any]) -> Tenant:
    _check_policy(data)
    data.setdefault(
        "min_password_strength", int(current_app.config["PASSWORD_MIN_STRENGTH_DEFAULT"])
    )
    tenant = Tenant(**data)
    db.session.add(tenant)
    db.session.flush()
    return tenant


def update_tenant(tenant: Tenant, data: dict[str, Any]) -> Tenant:
    actor = current_actor()
    contract = CONTRACT_FIELDS & data.keys()
    if contract and not actor.is_operator:
        raise Forbidden(
            "Contract data (name, customer number, SIP domain) is changed by the platform operator",
            error_id="operator_only",
            details={"fields": sorted(contract)},
        )
    _check_policy(data)
    for key, value in data.items():
        setattr(tenant, key, value)
    db.session.flush()
    return tenant


def delete_tenant(tenant: Tenant) -> None:
    db.session.delete(tenant)
    db.session.flush()
