"""What the API shows of a network's discovery settings, and what it accepts."""

from __future__ import annotations

from marshmallow import fields, validate

from provisioning.common.mallow import BaseSchema
from provisioning.discovery.dhcp import SERVERS, VENDORS


class ResponderSchema(BaseSchema):
    instance = fields.String()
    lease_expires_at = fields.DateTime()


class DiscoverySchema(BaseSchema):
    network_id = fields.Integer()
    tenant_id = fields.Integer()
    cidr = fields.String()
    pnp_enabled = fields.Boolean()
    adoption_window_until = fields.DateTime(allow_none=True)
    adoption_window_open = fields.Boolean()
    provisioning_url = fields.String()
    # Which instance answers PnP there now (the lease holder); null: none does.
    pnp_responder = fields.Nested(ResponderSchema, allow_none=True)
    # Per vendor: the DHCP options (code -> value), how phones are matched.
    dhcp = fields.Dict(keys=fields.String(), values=fields.Dict())


class AdoptionWindowSchema(BaseSchema):
    # 0 closes the window; the upper bound is PNP_ADOPTION_WINDOW_MAX_MINUTES.
    minutes = fields.Integer(required=True, validate=validate.Range(min=0))


class DhcpArgs(BaseSchema):
    server = fields.String(required=True, validate=validate.OneOf(SERVERS))
    vendor = fields.String(load_default=None, validate=validate.OneOf(VENDORS))


class DhcpSnippetSchema(BaseSchema):
    network_id = fields.Integer()
    server = fields.String()
    vendors = fields.List(fields.String())
    snippet = fields.String()
