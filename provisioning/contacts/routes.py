from __future__ import annotations

from flask import Response, request

from provisioning.accounts.auth import ADMINS, require, roles
from provisioning.common.api import Blueprint, check_if_match, paginate, with_etag
from provisioning.contacts import groups, phonebooks, service, transfer
from provisioning.contacts.schemas import (
    ContactGroupListArgs,
    ContactGroupPage,
    ContactGroupPatchSchema,
    ContactGroupSchema,
    ContactListArgs,
    ContactPage,
    ContactPatchSchema,
    ContactSchema,
    DevicePhonebookSchema,
    ExportArgs,
    ImportArgs,
    ImportResultSchema,
)
from provisioning.devices.service import get_device

# Contacts, groups and a device's phonebook: several collections, hence no url_prefix.
blp = Blueprint("contacts", __name__, description="The tenant's phonebook: contacts and groups")


@blp.route("/contacts", methods=["GET"])
@blp.arguments(ContactListArgs, location="query")
@blp.response(200, ContactPage)
def list_contacts(args):
    return paginate(service.list_contacts(args), args)


@blp.route("/contacts", methods=["POST"])
@blp.arguments(ContactSchema)
@blp.response(201, ContactSchema)
def create_contact(data):
    return with_etag(service.create_contact(data), 201)


@blp.route("/contacts/export", methods=["GET"])
@blp.arguments(ExportArgs, location="query")
def export_contacts(args):
    body, content_type, filename = transfer.export_contacts(args)
    return Response(body, content_type=content_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blp.route("/contacts/import", methods=["POST"])
@blp.arguments(ImportArgs, location="query")
@blp.response(200, ImportResultSchema)
def import_contacts(args):
    """The file is the request body (CSV or vCard, as ?format= says)."""
    return transfer.import_contacts(request.get_data(cache=False), args)


@blp.route("/contacts/<int:contact_id>", methods=["GET"])
@blp.response(200, ContactSchema)
def get_contact(contact_id):
    return with_etag(service.get_contact(contact_id))


@blp.route("/contacts/<int:contact_id>", methods=["PATCH"])
@blp.arguments(ContactPatchSchema(partial=True))
@blp.response(200, ContactSchema)
def update_contact(data, contact_id):
    contact = service.get_contact(contact_id)
    check_if_match(contact)
    return with_etag(service.update_contact(contact, data))


@blp.route("/contacts/<int:contact_id>", methods=["DELETE"])
@blp.response(204)
def delete_contact(contact_id):
    contact = service.get_contact(contact_id)
    check_if_match(contact)
    service.delete_contact(contact)


@blp.route("/devices/<int:device_id>/phonebook", methods=["GET"])
@blp.response(200, DevicePhonebookSchema)
def device_phonebook(device_id):
    """What the device's phonebook holds, and whether its model's limit cut it."""
    return phonebooks.device_phonebook(get_device(device_id))


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
