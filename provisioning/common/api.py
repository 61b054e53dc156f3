"""Helpers every REST resource uses: tenant scoping, pagination, ETag/If-Match."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import request
from flask_smorest import Blueprint as _Blueprint
from sqlalchemy import Select, func, select

from provisioning.context import current_actor
from provisioning.errors import Forbidden, NotFound, PreconditionFailed
from provisioning.extensions import db

M = TypeVar("M")


class Blueprint(_Blueprint):
    """flask-smorest's Blueprint; every API blueprint lives under /api/v1."""


def tenant_filter(stmt: Select, model: Any) -> Select:
    """Restrict a query to the caller's tenant (operators see every tenant)."""
    actor = current_actor()
    if actor.is_operator:
        return stmt
    if actor.tenant_id is None:
        # Not authenticated as anyone with a tenant: see nothing.
        return stmt.where(model.tenant_id == -1)
    return stmt.where(model.tenant_id == actor.tenant_id)


def get_owned(model: type[M], object_id: int, what: str | None = None) -> M:
    """The object with that id in the caller's tenant, else 404 (never 403: another tenant's
    object does not exist for the caller)."""
    stmt = tenant_filter(select(model).where(model.id == object_id), model)  # type: ignore[attr-defined]
    obj = db.session.execute(stmt).scalar_one_or_none()
    if obj is None:
        raise NotFound(what or model.__name__.lower())
    return obj


def resolve_tenant_id(requested: int | None) -> int:
    """The tenant a new object goes into: an operator names it; anyone else gets their own
    (naming another tenant is answered as if it did not exist)."""
    from provisioning.tenants.models import Tenant

    actor = current_actor()
    if actor.is_operator:
        if requested is None:
            from provisioning.errors import ValidationFailed

            raise ValidationFailed(
                "tenant_id is required for operators",
                details={"fields": {"tenant_id": ["required"]}},
            )
        if db.session.get(Tenant, requested) is None:
            raise NotFound("tenant")
        return requested
    if actor.tenant_id is None:
        raise Forbidden("no tenant")
    if requested is not None and requested != actor.tenant_id:
        raise NotFound("tenant")
    return actor.tenant_id


def paginate(stmt: Select, args: dict[str, Any]) -> dict[str, Any]:
    page, per_page = args.get("page", 1), args.get("per_page", 50)
    total = db.session.execute(
        select(func.count()).select_from(stmt.order_by(None).subquery())
    ).scalar_one()
    items = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).scalars().all()
    return {"items": items, "page": page, "per_page": per_page, "total": total}


def etag_of(obj: Any) -> str:
    return f'"{type(obj).__name__.lower()}-{obj.id}-v{obj.version}"'


def check_if_match(obj: Any) -> None:
    """A write carrying If-Match must name the current version; otherwise 412."""
    header = request.headers.get("If-Match")
    if header is None:
        return
    tags = [t.strip() for t in header.split(",")]
    current = etag_of(obj)
    if "*" in tags or current in tags or current.lstrip("W/") in [t.lstrip("W/") for t in tags]:
        return
    raise PreconditionFailed(
        "The object was changed since you read it; fetch it again and retry",
        details={"current_etag": current},
    )


def with_etag(obj: Any, status: int = 200):
    """(obj, status, headers) for flask-smorest, carrying the object's ETag."""
    return obj, status, {"ETag": etag_of(obj)}
