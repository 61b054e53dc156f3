"""What the admin side of phone provisioning shows: a tenant's phone URL, a device's files and
history, and the phones that asked without being known."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from provisioning.common.mallow import BaseSchema, PageArgs, TrimmedString, page_schema
from provisioning.devices.schemas import _MODEL, VENDORS


class PhoneSettingsSchema(ma.Schema):
    snom = fields.Dict(keys=fields.String(), values=fields.String())
    yealink = fields.Dict(keys=fields.String(), values=fields.String())


class TenantProvisioningSchema(ma.Schema):
    url = fields.String(metadata={"description": "The tenant's phone provisioning base URL"})
    dhcp_option_66 = fields.String(metadata={"description": "The value for DHCP option 66"})
    phone_settings = fields.Nested(
        PhoneSettingsSchema,
        metadata={"description": "Each vendor's own provisioning-server setting, set to the URL"},
    )
    previous_url_valid_until = fields.DateTime(
        allow_none=True,
        metadata={"description": "Until when the URL before the last rotation still works"},
    )
    require_mtls = fields.Boolean()


class RotateSecretSchema(BaseSchema):
    # Up to 30 days: long enough for phones that are switched off over a holiday.
    grace_hours = fields.Integer(load_default=72, validate=validate.Range(min=0, max=720))


class DeviceFileSchema(ma.Schema):
    filename = fields.String()
    kind = fields.String()
    description = fields.String()
    content_type = fields.String()
    credentials = fields.Boolean(
        metadata={"description": "The file as the entitled phone gets it holds its SIP password"}
    )
    etag = fields.String()
    version = fields.String()


class FileArgs(BaseSchema):
    reveal = fields.Boolean(load_default=False)


class DeviceFetchSchema(ma.Schema):
    at = fields.DateTime()
    filename = fields.String()
    protocol = fields.String()
    addr = fields.String(allow_none=True)
    status = fields.Integer()
    version = fields.String(allow_none=True)
    credentials = fields.Boolean()
    current = fields.Boolean(
        metadata={"description": "The fetched version is the one rendered now"}
    )


class HistoryArgs(PageArgs):
    pass


class UnrecognisedDeviceSchema(ma.Schema):
    id = fields.Integer()
    tenant_id = fields.Integer()
    mac = fields.String()
    vendor = fields.String(allow_none=True)
    model = fields.String(allow_none=True)
    firmware = fields.String(allow_none=True)
    user_agent = fields.String(allow_none=True)
    addr = fields.String(allow_none=True)
    first_seen = fields.DateTime()
    last_seen = fields.DateTime()
    requests = fields.Integer()


class UnrecognisedListArgs(PageArgs):
    q = fields.String(validate=validate.Length(max=100))
    tenant_id = fields.Integer()


class AdoptSchema(BaseSchema):
    """Vendor and model default to what the phone said about itself."""

    vendor = fields.String(validate=validate.OneOf(VENDORS))
    model = fields.String(validate=validate.Regexp(_MODEL))
    employee_id = fields.Integer(allow_none=True)
    site_id = fields.Integer(allow_none=True)
    label = TrimmedString(allow_none=True, validate=validate.Length(max=200))


DeviceFetchPage = page_schema(DeviceFetchSchema, "DeviceFetchPage")
UnrecognisedDevicePage = page_schema(UnrecognisedDeviceSchema, "UnrecognisedDevicePage")
