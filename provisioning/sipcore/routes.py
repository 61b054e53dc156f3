from __future__ import annotations

from provisioning.accounts.auth import ADMINS, require
from provisioning.common.api import Blueprint
from provisioning.devices import service as devices
from provisioning.employees import service as employees
from provisioning.sipcore import service
from provisioning.sipcore.schemas import (
    DeviceRegistrationSchema,
    EmployeeRegistrationSchema,
    RegistrationListArgs,
    RegistrationPage,
    ResyncResultSchema,
)

blp = Blueprint("sipcore", __name__, url_prefix="",
                description="The bundled SIP core: registration status, re-sync of phones")


@blp.route("/registrations", methods=["GET"])
@blp.arguments(RegistrationListArgs, location="query")
@blp.response(200, RegistrationPage)
def list_registrations(args):
    """The caller's devices with their live registration state (one read of the SIP core)."""
    return service.registration_page(args)


@blp.route("/devices/<int:device_id>/registration", methods=["GET"])
@blp.response(200, DeviceRegistrationSchema)
def get_device_registration(device_id):
    return service.device_registration(devices.get_device(device_id))


@blp.route("/devices/<int:device_id>/resync", methods=["POST"])
@blp.response(200, ResyncResultSchema)
def resync_device(device_id):
    """NOTIFY check-sync to the registered contacts of this device only: it fetches its
    configuration now (snom without rebooting)."""
    device = devices.get_device(device_id)
    require(*ADMINS)
    return service.resync_device(device)


@blp.route("/employees/<int:employee_id>/registration", methods=["GET"])
@blp.response(200, EmployeeRegistrationSchema)
def get_employee_registration(employee_id):
    return service.employee_registration(employees.get_employee(employee_id))
