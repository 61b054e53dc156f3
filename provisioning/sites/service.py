"""Sites: where a tenant's phones stand (language, time zone, NTP)."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, select

from provisioning.common.api import get_owned, resolve_tenant_id, tenant_filter
from provisioning.context import current_actor
from provisioning.errors import NotFound
from provisioning.extensions import db
from provisioning.sites.models import Site

M = TypeVar("M")


def in_tenant(model: type[M], object_id: int | None, tenant_id: int, what: str) -> M | None:
    """A referenced object (site, employee, group) of the tenant the referring object belongs
    to; another tenant's is answered as not found. ``None`` stays ``None``."""
    if object_id is None:
        return None
    obj = db.session.get(model, object_id)
    if obj is None or obj.tenant_id != tenant_id:  # type: ignore[attr-defined]
        raise NotFound(what)
    return obj


def scoped(stmt: Select, model: Any, args: dict[str, Any]) -> Select:
    """The caller's tenant; operators may narrow a list to one tenant."""
    stmt = tenant_filter(stmt, model)
    if current_actor().is_operator and args.get("tenant_id") is not None:
        stmt = stmt.where(model.tenant_id == args["tenant_id"])
    return stmt


def list_sites(args: dict[str, Any]) -> Select:
    stmt = scoped(select(Site).order_by(Site.id), Site, args)
    if args.get("q"):
        stmt = stmt.where(Site.name.ilike(f"%{args['q']}%"))
    return stmt


def get_site(site_id: int) -> Site:
    return get_owned(Site, site_id, "site")


def create_site(data: dict[str, Any]) -> Site:
    data = dict(data)
    data["tenant_id"] = resolve_tenant_id(data.pop("tenant_id", None))
    site = Site(**data)
    db.session.add(site)
    db.session.flush()
    return site


def update_site(site: Site, data: dict[str, Any]) -> Site:
    for key, value in data.items():
        setattr(site, key, value)
    db.session.flush()
    return site


def delete_site(site: Site) -> None:
    # Devices, employees and networks of the site keep working without one: the foreign keys
    # are ON DELETE SET NULL.
    db.session.delete(site)
    db.session.flush()
