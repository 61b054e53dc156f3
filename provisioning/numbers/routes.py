from __future__ import annotations

from provisioning.accounts.auth import ADMINS, require, roles
from provisioning.accounts.models import Role
from provisioning.common.api import Blueprint, check_if_match, paginate, with_etag
from provisioning.numbers import service
from provisioning.numbers.schemas import (
    DeactivateSchema,
    ExchangeResultSchema,
    ExchangeSchema,
    NumberListArgs,
    NumberPage,
    NumberSchema,
    NumberSettingsSchema,
)

blp = Blueprint("numbers", __name__, url_prefix="/numbers",
                description="A tenant's phone numbers and their lifecycle; operators add "
                            "and remove them")


@blp.route("", methods=["GET"])
@roles(*ADMINS)
@blp.arguments(NumberListArgs, location="query")
@blp.response(200, NumberPage)
def list_numbers(args):
    return paginate(service.visible_numbers(args), args)


@blp.route("", methods=["POST"])
@roles(Role.OPERATOR)
@blp.arguments(NumberSchema)
@blp.response(201, NumberSchema)
def add_number(data):
    return with_etag(service.add_number(data), 201)


@blp.route("/<int:number_id>", methods=["GET"])
@blp.response(200, NumberSchema)
def get_number(number_id):
    number = service.get_number(number_id)
    require(*ADMINS)
    return with_etag(number)


@blp.route("/<int:number_id>", methods=["PATCH"])
@blp.arguments(NumberSettingsSchema)
@blp.response(200, NumberSchema)
def update_number(data, number_id):
    number = service.get_number(number_id)
    require(*ADMINS)
    check_if_match(number)
    return with_etag(service.update_settings(number, data["settings"]))


@blp.route("/<int:number_id>", methods=["DELETE"])
@blp.response(204)
def remove_number(number_id):
    number = service.get_number(number_id)
    require(Role.OPERATOR)
    check_if_match(number)
    service.remove_number(number)


@blp.route("/<int:number_id>/activate", methods=["POST"])
@blp.response(200, NumberSchema)
def activate_number(number_id):
    number = service.get_number(number_id)
    require(*ADMINS)
    check_if_match(number)
    return with_etag(service.activate(number))


@blp.route("/<int:number_id>/deactivate", methods=["POST"])
@blp.arguments(DeactivateSchema)
@blp.response(200, NumberSchema)
def deactivate_number(data, number_id):
    number = service.get_number(number_id)
    require(*ADMINS)
    check_if_match(number)
    return with_etag(service.deactivate(number, data["termination_date"]))


@blp.route("/<int:number_id>/reactivate", methods=["POST"])
@blp.response(200, NumberSchema)
def reactivate_number(number_id):
    number = service.get_number(number_id)
    require(*ADMINS)
    check_if_match(number)
    return with_etag(service.reactivate(number))


@blp.route("/<int:number_id>/exchange", methods=["POST"])
@blp.arguments(ExchangeSchema)
@blp.response(200, ExchangeResultSchema)
def exchange_number(data, number_id):
    number = service.get_number(number_id)
    require(*ADMINS)
    check_if_match(number)
    return service.exchange(number, data["replacement_id"])
