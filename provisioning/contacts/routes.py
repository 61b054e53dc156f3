from __future__ import annotations

from provisioning.accounts.auth import ADMINS, require, roles
from provisioning.common.api import Blueprint, check_if_match, paginate, with_etag
from provisioning.contacts import groups
from provisioning.contacts.schemas import (
    ContactGroupListArgs,
    ContactGroupPage,
    ContactGroupPatchSchema,
    ContactGroupSchema,
)

# Groups now, contacts in a later issue: both under this blueprint, hence no url_prefix.
blp = Blueprint("contacts", __name__, description="The tenant's phonebook: contact groups")


@blp.route("/contact-groups", methods=["GET"])
@blp.arguments(ContactGroupListArgs, location="query")
@blp.response(200, ContactGroupPage)
def list_groups(args):
    return paginate(groups.list_groups(args), args)


@blp.route("/contact-groups", methods=["POST"])
@roles(*ADMINS)
@blp.arguments(ContactGroupSchema)
@blp.response(201, ContactGroupSchema)
def create_group(data):
    return with_etag(groups.create_group(data), 201)


@blp.route("/contact-groups/<int:group_id>", methods=["GET"])
@blp.response(200, ContactGroupSchema)
def get_group(group_id):
    return with_etag(groups.get_group(group_id))


@blp.route("/contact-groups/<int:group_id>", methods=["PATCH"])
@blp.arguments(ContactGroupPatchSchema(partial=True))
@blp.response(200, ContactGroupSchema)
def update_group(data, group_id):
    group = groups.get_group(group_id)
    require(*ADMINS)
    check_if_match(group)
    return with_etag(groups.update_group(group, data))


@blp.route("/contact-groups/<int:group_id>", methods=["DELETE"])
@blp.response(204)
def delete_group(group_id):
    group = groups.get_group(group_id)
    require(*ADMINS)
    check_if_match(group)
    groups.delete_group(group)
