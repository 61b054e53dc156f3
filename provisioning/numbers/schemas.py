from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from provisioning.common.mallow import BaseSchema, E164Number, PageArgs, page_schema
from provisioning.numbers.models import NumberStatus

MAX_SETTINGS = 50
MAX_SETTING_KEY = 64
MAX_SETTING_TEXT = 255


class NumberSettings(fields.Dict):
    """Free-form options a number carries: a flat object of at most 50 string, bool or integer
    values (phones and the SIP core read them; nesting has no meaning there)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise ma.ValidationError("must be a JSON object")
        if len(value) > MAX_SETTINGS:
            raise ma.ValidationError(f"at most {MAX_SETTINGS} settings")
        errors: dict[str, str] = {}
        for key, item in value.items():
            if not key or len(key) > MAX_SETTING_KEY:
                errors[key] = f"a name of 1 to {MAX_SETTING_KEY} characters"
            elif not isinstance(item, str | bool | int) or isinstance(item, float):
                errors[key] = "a string, boolean or integer value (no lists, objects or null)"
            elif isinstance(item, str) and len(item) > MAX_SETTING_TEXT:
                errors[key] = f"at most {MAX_SETTING_TEXT} characters"
        if errors:
            raise ma.ValidationError(errors)
        return dict(value)


class NumberSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    tenant_id = fields.Integer()
    e164 = E164Number(required=True)
    status = fields.Enum(NumberStatus, by_value=True, dump_only=True)
    termination_date = fields.Date(dump_only=True)
    settings = NumberSettings()
    # The employee holding it as personal number, or null.
    employee_id = fields.Function(lambda n: n.holder.id if n.holder else None, dump_only=True)
    version = fields.Integer(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class NumberSettingsSchema(BaseSchema):
    settings = NumberSettings(required=True)


class DeactivateSchema(BaseSchema):
    termination_date = fields.Date(required=True)


class ExchangeSchema(BaseSchema):
    replacement_id = fields.Integer(required=True)


class ExchangeResultSchema(ma.Schema):
    number = fields.Nested(NumberSchema, metadata={"description": "the replacement, now active"})
    replaced = fields.Nested(NumberSchema, metadata={"description": "the old number, now inactive"})
    dropped_settings = fields.Dict(metadata={"description": "the old number's settings, gone"})
    moved_employee_ids = fields.List(fields.Integer())
    retargeted_function_key_ids = fields.List(fields.Integer())


class NumberListArgs(PageArgs):
    status = fields.Enum(NumberStatus, by_value=True)
    q = fields.String(validate=validate.Length(max=32))
    assigned = fields.Boolean()


NumberPage = page_schema(NumberSchema, "NumberPage")
