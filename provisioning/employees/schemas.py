from __future__ import annotations

from marshmallow import fields, validate

from provisioning.common.mallow import BaseSchema, E164Number, PageArgs, TrimmedString, page_schema
from provisioning.sip.schemas import SipAccountSchema


class PersonalNumber(E164Number):
    """An E.164 string in; out, the e164 of the employee's PhoneNumber (or null)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.e164


class EmployeeSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    tenant_id = fields.Integer(metadata={"description": "operators name it; others get their own"})
    display_name = TrimmedString(required=True, validate=validate.Length(min=1, max=200))
    account_id = fields.Integer(allow_none=True)
    site_id = fields.Integer(allow_none=True)
    telephony = fields.Boolean()
    personal_number = PersonalNumber(allow_none=True)
    missing_personal_number = fields.Boolean(
        dump_only=True,
        metadata={"description": "telephones but has no number (it was terminated): act on it"},
    )
    sip_account = fields.Nested(SipAccountSchema, dump_only=True, allow_none=True)
    version = fields.Integer(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class PersonalNumberSchema(BaseSchema):
    personal_number = E164Number(required=True)


class EmployeeListArgs(PageArgs):
    q = fields.String(validate=validate.Length(max=100))


EmployeePage = page_schema(EmployeeSchema, "EmployeePage")
