from __future__ import annotations

from flask import Response

from provisioning.accounts.auth import ADMINS, require, roles
from provisioning.common.api import Blueprint, check_if_match, etag_of, paginate, with_etag
from provisioning.devices import service as devices
from provisioning.devices.schemas import DeviceSchema
from provisioning.provisioning_admin import service, unrecognised
from provisioning.provisioning_admin.schemas import (
    AdoptSchema,
    DeviceFetchPage,
    DeviceFileSchema,
    FileArgs,
    HistoryArgs,
    RotateSecretSchema,
    TenantProvisioningSchema,
    UnrecognisedDevicePage,
    UnrecognisedListArgs,
)
from provisioning.tenants import service as tenants

blp = Blueprint("provisioning_admin", __name__,
                description="Phone provisioning: the tenant's phone URL, a device's files and "
                            "history, unrecognised phones")


@blp.route("/tenants/<int:tenant_id>/provisioning", methods=["GET"])
@blp.response(200, TenantProvisioningSchema)
def get_tenant_provisioning(tenant_id):
    tenant = tenants.get_tenant(tenant_id)
    require(*ADMINS)
    return service.tenant_provisioning(tenant), 200, {"ETag": etag_of(tenant)}


@blp.route("/tenants/<int:tenant_id>/provisioning/rotate-secret", methods=["POST"])
@blp.arguments(RotateSecretSchema)
@blp.response(200, TenantProvisioningSchema)
def rotate_secret(data, tenant_id):
    tenant = tenants.get_tenant(tenant_id)
    require(*ADMINS)
    check_if_match(tenant)
    result = service.rotate_url_secret(tenant, data["grace_hours"])
    return result, 200, {"ETag": etag_of(tenant)}


@blp.route("/devices/<int:device_id>/files", methods=["GET"])
@blp.response(200, DeviceFileSchema(many=True))
def list_device_files(device_id):
    device = devices.get_device(device_id)
    require(*ADMINS)
    return service.list_files(device)


@blp.route("/devices/<int:device_id>/files/<path:filename>", methods=["GET"])
@blp.arguments(FileArgs, location="query")
@blp.doc(responses={"200": {"description": "The file as the phone gets it; the SIP password "
                                           "is masked unless reveal=true (journaled)"}})
def get_device_file(args, device_id, filename):
    device = devices.get_device(device_id)
    require(*ADMINS)
    preview = service.preview_file(device, filename, args["reveal"])
    return Response(preview.body, content_type=preview.content_type, headers={
        # The phone's ETag is for the file as served, not this (possibly masked) copy.
        "X-Phone-ETag": preview.etag,
        "X-Config-Version": preview.version,
        "X-Credentials": preview.credentials,  # none, masked or revealed
        "Cache-Control": "no-store",
    })


@blp.route("/devices/<int:device_id>/history", methods=["GET"])
@blp.arguments(HistoryArgs, location="query")
@blp.response(200, DeviceFetchPage)
def device_history(args, device_id):
    device = devices.get_device(device_id)
    require(*ADMINS)
    return service.history_page(device, args)


@blp.route("/unrecognised-devices", methods=["GET"])
@roles(*ADMINS)
@blp.arguments(UnrecognisedListArgs, location="query")
@blp.response(200, UnrecognisedDevicePage)
def list_unrecognised(args):
    return paginate(unrecognised.list_unrecognised(args), args)


@blp.route("/unrecognised-devices/<int:unrecognised_id>", methods=["DELETE"])
@blp.response(204)
def dismiss_unrecognised(unrecognised_id):
    row = unrecognised.get_unrecognised(unrecognised_id)
    require(*ADMINS)
    unrecognised.dismiss(row)


@blp.route("/unrecognised-devices/<int:unrecognised_id>/adopt", methods=["POST"])
@blp.arguments(AdoptSchema)
@blp.response(201, DeviceSchema)
def adopt_unrecognised(data, unrecognised_id):
    row = unrecognised.get_unrecognised(unrecognised_id)
    require(*ADMINS)
    return with_etag(unrecognised.adopt(row, data), 201)
