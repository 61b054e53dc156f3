from __future__ import annotations

from provisioning.accounts.auth import ADMINS, require, roles
from provisioning.common.api import Blueprint, check_if_match, paginate, with_etag
from provisioning.employees import service
from provisioning.employees.schemas import (
    EmployeeListArgs,
    EmployeePage,
    EmployeeSchema,
    PersonalNumberSchema,
)
from provisioning.sip import service as sip
from provisioning.sip.schemas import SipAccountSchema, SipPasswordSchema

# A clear password must not linger in a browser's or proxy's cache.
NO_STORE = {"Cache-Control": "no-store"}

blp = Blueprint("employees", __name__, url_prefix="/employees",
                description="A tenant's people, their personal numbers and SIP accounts")


@blp.route("", methods=["GET"])
@blp.arguments(EmployeeListArgs, location="query")
@blp.response(200, EmployeePage)
def list_employees(args):
    return paginate(service.visible_employees(args), args)


@blp.route("", methods=["POST"])
@roles(*ADMINS)
@blp.arguments(EmployeeSchema)
@blp.response(201, EmployeeSchema)
def create_employee(data):
    return with_etag(service.create_employee(data), 201)


@blp.route("/<int:employee_id>", methods=["GET"])
@blp.response(200, EmployeeSchema)
def get_employee(employee_id):
    return with_etag(service.get_employee(employee_id))


@blp.route("/<int:employee_id>", methods=["PATCH"])
@blp.arguments(EmployeeSchema(partial=True, exclude=("tenant_id",)))
@blp.response(200, EmployeeSchema)
def update_employee(data, employee_id):
    employee = service.get_employee(employee_id)
    require(*ADMINS)
    check_if_match(employee)
    return with_etag(service.update_employee(employee, data))


@blp.route("/<int:employee_id>", methods=["DELETE"])
@blp.response(204)
def delete_employee(employee_id):
    employee = service.get_employee(employee_id)
    require(*ADMINS)
    check_if_match(employee)
    service.delete_employee(employee)


@blp.route("/<int:employee_id>/personal-number", methods=["PUT"])
@blp.arguments(PersonalNumberSchema)
@blp.response(200, EmployeeSchema)
def change_personal_number(data, employee_id):
    employee = service.get_employee(employee_id)
    require(*ADMINS)
    check_if_match(employee)
    return with_etag(service.change_personal_number(employee, data["personal_number"]))


@blp.route("/<int:employee_id>/sip-account", methods=["GET"])
@blp.response(200, SipAccountSchema)
def get_sip_account(employee_id):
    return with_etag(sip.get_sip_account(service.get_employee(employee_id)))


@blp.route("/<int:employee_id>/sip-account", methods=["PATCH"])
@blp.arguments(SipAccountSchema)
@blp.response(200, SipAccountSchema)
def update_sip_account(data, employee_id):
    employee = service.get_employee(employee_id)
    require(*ADMINS)
    check_if_match(sip.get_sip_account(employee))
    return with_etag(sip.set_enabled(employee, data["enabled"]))


@blp.route("/<int:employee_id>/sip-account/password", methods=["GET"])
@blp.response(200, SipPasswordSchema)
def reveal_sip_password(employee_id):
    employee = service.get_employee(employee_id)
    require(*ADMINS)
    return {"password": sip.reveal_password(employee)}, 200, NO_STORE


@blp.route("/<int:employee_id>/sip-account/password", methods=["POST"])
@blp.response(200, SipPasswordSchema)
def regenerate_sip_password(employee_id):
    employee = service.get_employee(employee_id)
    require(*ADMINS)
    return {"password": sip.regenerate_password(employee)}, 200, NO_STORE
