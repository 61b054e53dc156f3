from __future__ import annotations

from marshmallow import fields

from provisioning.common.mallow import BaseSchema


class SipAccountSchema(BaseSchema):
    """What anyone who may see the employee sees; never the password."""

    id = fields.Integer(dump_only=True)
    username = fields.String(dump_only=True)
    domain = fields.String(dump_only=True)
    enabled = fields.Boolean(required=True)
    version = fields.Integer(dump_only=True)


class SipPasswordSchema(BaseSchema):
    password = fields.String(dump_only=True)
