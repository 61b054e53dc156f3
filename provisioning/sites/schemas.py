"""Sites and networks as the API shows them."""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import re
import zoneinfo

import marshmallow as ma
from marshmallow import fields, validate

from provisioning.common.mallow import BaseSchema, PageArgs, TrimmedString, page_schema

# The languages both vendors' phones ship; what a site's phones are set to speak.
LANGUAGES = ("de", "en", "fr", "it", "es", "nl", "pl", "cs", "pt", "sv", "da", "tr")

_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)


@functools.cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _timezone(value: str) -> None:
    if value not in _timezones():
        raise ma.ValidationError("not an IANA time zone name (e.g. Europe/Berlin)")


class Host(fields.String):
    """A host name or an IP address; host names are stored in lower case."""

    def _deserialize(self, value, attr, data, **kwargs):
        raw = super()._deserialize(value, attr, data, **kwargs).strip()
        try:
            return str(ipaddress.ip_address(raw))
        except ValueError:
            pass
        name = raw.lower().rstrip(".")
        if not _HOSTNAME.match(name):
            raise ma.ValidationError("not a host name or an IP address")
        return name


class Cidr(fields.String):
    """An IPv4 or IPv6 network; host bits are dropped (10.1.2.3/16 -> 10.1.0.0/16)."""

    def _deserialize(self, value, attr, data, **kwargs):
        raw = super()._deserialize(value, attr, data, **kwargs).strip()
        try:
            return str(ipaddress.ip_network(raw, strict=False))
        except ValueError as exc:
            raise ma.ValidationError("not a network in CIDR notation (e.g. 192.0.2.0/24)") from exc


class UtcDateTime(fields.AwareDateTime):
    """An ISO 8601 date-time; without an offset it is UTC; stored and answered in UTC."""

    def __init__(self, **kwargs):
        super().__init__(default_timezone=dt.UTC, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).astimezone(dt.UTC)


class SiteSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    tenant_id = fields.Integer(load_default=None)  # operators name it; others get their own
    name = TrimmedString(required=True, validate=validate.Length(min=1, max=200))
    language = fields.String(validate=validate.OneOf(LANGUAGES))
    timezone = fields.String(validate=[validate.Length(max=64), _timezone])
    ntp_server = Host(allow_none=True, validate=validate.Length(max=253))
    version = fields.Integer(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class SitePatchSchema(SiteSchema):
    class Meta(SiteSchema.Meta):
        exclude = ("tenant_id",)


class NetworkSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    tenant_id = fields.Integer(load_default=None)
    cidr = Cidr(required=True)
    site_id = fields.Integer(allow_none=True)
    http_credentials = fields.Boolean()
    tftp_credentials = fields.Boolean()
    pnp_enabled = fields.Boolean()
    adoption_window_until = UtcDateTime(allow_none=True)
    version = fields.Integer(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class NetworkPatchSchema(NetworkSchema):
    class Meta(NetworkSchema.Meta):
        exclude = ("tenant_id",)


class SiteListArgs(PageArgs):
    q = fields.String(validate=validate.Length(max=100))
    tenant_id = fields.Integer()


class NetworkListArgs(PageArgs):
    site_id = fields.Integer()
    tenant_id = fields.Integer()


SitePage = page_schema(SiteSchema, "SitePage")
NetworkPage = page_schema(NetworkSchema, "NetworkPage")
