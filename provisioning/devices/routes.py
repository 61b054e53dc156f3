from __future__ import annotations

from provisioning.accounts.auth import ADMINS, require, roles
from provisioning.accounts.models import Role
from provisioning.common.api import Blueprint, check_if_match, etag_of, with_etag
from provisioning.devices import keys, service
from provisioning.devices.schemas import (
    AssignmentResultSchema,
    AssignmentSchema,
    DeviceListArgs,
    DevicePage,
    DevicePatchSchema,
    DeviceSchema,
    FunctionKeySchema,
    MoveSchema,
)

blp = Blueprint("devices", __name__, url_prefix="/devices",
                description="Desk phones: assignment, function keys, phonebook, tenant moves")


@blp.route("", methods=["GET"])
@blp.arguments(DeviceListArgs, location="query")
@blp.response(200, DevicePage)
def list_devices(args):
    return service.device_page(args)


@blp.route("", methods=["POST"])
@roles(*ADMINS)
@blp.arguments(DeviceSchema)
@blp.response(201, DeviceSchema)
def create_device(data):
    return with_etag(service.create_device(data), 201)


@blp.route("/<int:device_id>", methods=["GET"])
@blp.response(200, DeviceSchema)
def get_device(device_id):
    return with_etag(service.get_device(device_id))


@blp.route("/<int:device_id>", methods=["PATCH"])
@blp.arguments(DevicePatchSchema(partial=True))
@blp.response(200, DeviceSchema)
def update_device(data, device_id):
    device = service.get_device(device_id)
    require(*ADMINS)
    check_if_match(device)
    return with_etag(service.update_device(device, data))


@blp.route("/<int:device_id>", methods=["DELETE"])
@blp.response(204)
def delete_device(device_id):
    device = service.get_device(device_id)
    require(*ADMINS)
    check_if_match(device)
    service.delete_device(device)


@blp.route("/<int:device_id>/assignment", methods=["PUT"])
@blp.arguments(AssignmentSchema)
@blp.response(200, AssignmentResultSchema)
def assign_device(data, device_id):
    device = service.get_device(device_id)
    require(*ADMINS)
    check_if_match(device)
    result = service.assign_device(device, data["employee_id"])
    return result, 200, {"ETag": etag_of(device)}


@blp.route("/<int:device_id>/assignment", methods=["DELETE"])
@blp.response(200, DeviceSchema)
def unassign_device(device_id):
    device = service.get_device(device_id)
    require(*ADMINS)
    check_if_match(device)
    return with_etag(service.unassign_device(device))


@blp.route("/<int:device_id>/move", methods=["POST"])
@blp.arguments(MoveSchema)
@blp.response(200, DeviceSchema)
def move_device(data, device_id):
    device = service.get_device(device_id)
    require(Role.OPERATOR)
    check_if_match(device)
    return with_etag(service.move_device(device, data["tenant_id"]))


@blp.route("/<int:device_id>/keys", methods=["GET"])
@blp.response(200, FunctionKeySchema(many=True))
def list_keys(device_id):
    device = service.get_device(device_id)
    return device.keys, 200, {"ETag": etag_of(device)}


@blp.route("/<int:device_id>/keys", methods=["PUT"])
@blp.arguments(FunctionKeySchema(many=True))
@blp.response(200, FunctionKeySchema(many=True))
def replace_keys(items, device_id):
    device = service.get_device(device_id)
    require(*ADMINS)
    check_if_match(device)
    return keys.replace_keys(device, items), 200, {"ETag": etag_of(device)}
