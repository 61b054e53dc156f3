from __future__ import annotations

from marshmallow import fields, validate

from provisioning.common.mallow import BaseSchema, PageArgs, page_schema


class JournalEntrySchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    at = fields.DateTime(dump_only=True)
    actor = fields.String(dump_only=True)
    via = fields.String(dump_only=True)
    action = fields.String(dump_only=True)
    object_type = fields.String(dump_only=True)
    object_id = fields.Integer(dump_only=True, allow_none=True)
    tenant_id = fields.Integer(dump_only=True, allow_none=True)
    changes = fields.Dict(dump_only=True)


class JournalArgs(PageArgs):
    tenant_id = fields.Integer(metadata={"description": "operators: one tenant's entries"})
    actor = fields.String(validate=validate.Length(max=200),
                          metadata={"description": "username, or cli:<user> / job:<kind>"})
    via = fields.String(validate=validate.Length(max=16))
    action = fields.String(validate=validate.Length(max=40))
    object_type = fields.String(validate=validate.Length(max=40))
    object_id = fields.Integer()
    since = fields.DateTime(
        metadata={"description": "ISO 8601, inclusive; UTC unless a zone is given"})
    until = fields.DateTime(metadata={"description": "ISO 8601, exclusive"})


JournalPage = page_schema(JournalEntrySchema, "JournalPage")
