from __future__ import annotations

from marshmallow import fields, validate

from provisioning.common.mallow import BaseSchema, PageArgs, TrimmedString, page_schema


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
