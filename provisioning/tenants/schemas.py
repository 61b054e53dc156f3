from __future__ import annotations

import re

import marshmallow as ma
from marshmallow import fields, validate

from provisioning.common.mallow import BaseSchema, PageArgs, TrimmedString, page_schema

_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*$")


def _domain(value: str) -> None:
    if not _DOMAIN.match(value):
        raise ma.ValidationError("not a DNS domain name (lower-case letters, digits, '-', '.')")


class TenantSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    name = TrimmedString(required=True, validate=validate.Length(min=1, max=200))
    customer_number = TrimmedString(required=True, validate=validate.Length(min=1, max=64))
    sip_domain = fields.String(required=True, validate=[validate.Length(max=253), _domain])
    min_password_strength = fields.Integer(validate=validate.Range(min=0, max=4))
    password_max_age_days = fields.Integer(
        allow_none=True, validate=validate.Range(min=1, max=3650)
    )
    # A security setting, not contract data: the tenant's admins may switch it. On: phones must
    # present their factory certificate (mutual TLS) to receive credentials.
    require_mtls = fields.Boolean()
    version = fields.Integer(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class TenantListArgs(PageArgs):
    q = fields.String(validate=validate.Length(max=100))


TenantPage = page_schema(TenantSchema, "TenantPage")
