from __future__ import annotations

import re

import marshmallow as ma
from marshmallow import fields, validate

from provisioning.common.mallow import BaseSchema, PageArgs, TrimmedString, page_schema
from provisioning.contacts.models import NumberKind


class ContactGroupSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    tenant_id = fields.Integer(load_default=None)  # operators name it; others get their own
    name = TrimmedString(required=True, validate=validate.Length(min=1, max=100))
    version = fields.Integer(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class ContactGroupPatchSchema(ContactGroupSchema):
    class Meta(ContactGroupSchema.Meta):
        exclude = ("tenant_id",)


class ContactGroupListArgs(PageArgs):
    q = fields.String(validate=validate.Length(max=100))
    tenant_id = fields.Integer()


ContactGroupPage = page_schema(ContactGroupSchema, "ContactGroupPage")

# Written forms of a number: digits with spaces, dashes, dots, slashes and parentheses as people
# write them, a leading '+' or '00', and '*'/'#' for service codes. "+49 (0)30 ..." drops the
# "(0)" (the trunk prefix is not dialled after a country code).
_NOISE = re.compile(r"[\s\-./()\u00a0]")
_DIALABLE = re.compile(r"^\+?[0-9*#]{1,31}$")


def normalize_number(raw: str) -> str:
    text = raw.strip()
    if text.startswith("+"):
        text = text.replace("(0)", "", 1)
    compact = _NOISE.sub("", text)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not _DIALABLE.match(compact):
        raise ma.ValidationError(
            "not a phone number: digits (at most 31), an optional leading '+', '*' or '#'; "
            "spaces, dashes, dots, slashes and parentheses are allowed and removed")
    return compact


class DialableNumber(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        return normalize_number(super()._deserialize(value, attr, data, **kwargs))


class ContactNumberSchema(BaseSchema):
    kind = fields.Enum(NumberKind, by_value=True, load_default=NumberKind.OFFICE)
    number = DialableNumber(required=True)


NAME = validate.Length(max=100)


class ContactSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    tenant_id = fields.Integer(load_default=None)
    first_name = TrimmedString(load_default="", validate=NAME)
    last_name = TrimmedString(load_default="", validate=NAME)
    company = TrimmedString(load_default="", validate=validate.Length(max=200))
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    # Notes may span lines; they never reach a phone.
    notes = fields.String(allow_none=True, validate=validate.Length(max=4000))
    favourite = fields.Boolean(load_default=False)
    private = fields.Boolean(load_default=False)
    owner_account_id = fields.Integer(dump_only=True)
    numbers = fields.List(fields.Nested(ContactNumberSchema),
                          validate=validate.Length(max=20), load_default=list)
    group_ids = fields.List(fields.Integer(), load_default=list,
                            validate=validate.Length(max=100))
    version = fields.Integer(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)

    @ma.validates_schema
    def _named(self, data, partial=None, **kwargs):
        if partial:
            return
        if not (data.get("first_name") or data.get("last_name") or data.get("company")):
            raise ma.ValidationError("a contact needs a first name, a last name or a company",
                                     "last_name")


class ContactPatchSchema(ContactSchema):
    class Meta(ContactSchema.Meta):
        exclude = ("tenant_id",)


class ContactListArgs(PageArgs):
    q = fields.String(validate=validate.Length(max=100))  # name, company, e-mail or number
    group_id = fields.Integer()
    private = fields.Boolean()
    tenant_id = fields.Integer()


ContactPage = page_schema(ContactSchema, "ContactPage")

FORMATS = ("csv", "vcard")


class ExportArgs(BaseSchema):
    format = fields.String(load_default="csv", validate=validate.OneOf(FORMATS))
    tenant_id = fields.Integer()


class ImportArgs(BaseSchema):
    format = fields.String(load_default="csv", validate=validate.OneOf(FORMATS))
    tenant_id = fields.Integer(load_default=None)


class ImportResultSchema(ma.Schema):
    imported = fields.Integer()
    groups_created = fields.List(fields.String())


class DevicePhonebookSchema(ma.Schema):
    device_id = fields.Integer()
    mode = fields.String()
    group_id = fields.Integer(allow_none=True)
    private_contacts = fields.Boolean()
    url = fields.String(allow_none=True)
    version = fields.String(allow_none=True)
    entries_total = fields.Integer()
    entries_kept = fields.Integer()
    truncated = fields.Boolean()
    limit = fields.Dict()
