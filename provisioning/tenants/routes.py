from __future__ import annotations

from provisioning.accounts.auth import ADMINS, require, roles
from provisioning.accounts.models import Role
from provisioning.common.api import Blueprint, check_if_match, paginate, with_etag
from provisioning.tenants import service
from provisioning.tenants.models import Tenant
from provisioning.tenants.schemas import TenantListArgs, TenantPage, TenantSchema

blp = Blueprint("tenants", __name__, url_prefix="/tenants",
                description="Customer companies; contract data is the operator's")


@blp.route("", methods=["GET"])
@blp.arguments(TenantListArgs, location="query")
@blp.response(200, TenantPage)
def list_tenants(args):
    stmt = service.visible_tenants()
    if args.get("q"):
        stmt = stmt.where(Tenant.name.ilike(f"%{args['q']}%"))
    return paginate(stmt, args)


@blp.route("", methods=["POST"])
@roles(Role.OPERATOR)
@blp.arguments(TenantSchema)
@blp.response(201, TenantSchema)
def create_tenant(data):
    return with_etag(service.create_tenant(data), 201)


@blp.route("/<int:tenant_id>", methods=["GET"])
@blp.response(200, TenantSchema)
def get_tenant(tenant_id):
    return with_etag(service.get_tenant(tenant_id))


@blp.route("/<int:tenant_id>", methods=["PATCH"])
@blp.arguments(TenantSchema(partial=True))
@blp.response(200, TenantSchema)
def update_tenant(data, tenant_id):
    tenant = service.get_tenant(tenant_id)
    require(*ADMINS)
    check_if_match(tenant)
    return with_etag(service.update_tenant(tenant, data))


@blp.route("/<int:tenant_id>", methods=["DELETE"])
@blp.response(204)
def delete_tenant(tenant_id):
    tenant = service.get_tenant(tenant_id)
    require(Role.OPERATOR)
    check_if_match(tenant)
    service.delete_tenant(tenant)
