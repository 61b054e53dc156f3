"""Devices and their function keys as the API shows them."""

from __future__ import annotations

import re

import marshmallow as ma
from marshmallow import fields, validate

from provisioning.common.mallow import (
    BaseSchema,
    MacAddress,
    PageArgs,
    TrimmedString,
    normalize_e164,
    page_schema,
)
from provisioning.devices.models import KeyKind, PhonebookMode

VENDORS = ("snom", "yealink")
_MODEL = r"^[A-Za-z0-9][A-Za-z0-9 .+-]{0,31}$"
_EXTENSION = re.compile(r"^[0-9]{2,10}$")


class DeviceSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    tenant_id = fields.Integer(load_default=None)  # operators name it; others get their own
    mac = MacAddress(required=True)
    vendor = fields.String(required=True, validate=validate.OneOf(VENDORS))
    model = fields.String(required=True, validate=validate.Regexp(_MODEL))
    label = TrimmedString(allow_none=True, validate=validate.Length(max=200))
    site_id = fields.Integer(allow_none=True)
    employee_id = fields.Integer(allow_none=True)
    phonebook_mode = fields.Enum(PhonebookMode, by_value=True)
    phonebook_group_id = fields.Integer(allow_none=True)
    # Also give the phone the private contacts of its employee's account.
    phonebook_private = fields.Boolean()
    # This phone must present its factory certificate (mutual TLS) to receive credentials.
    require_mtls = fields.Boolean()
    # Firmware only over HTTPS: the phone installs whatever this URL serves.
    firmware_url = fields.Url(allow_none=True, schemes={"https"}, require_tld=False,
                              validate=validate.Length(max=500))
    # What the phone last fetched against what is rendered now (provisioning_state).
    provisioning = fields.Method("_provisioning", dump_only=True)
    version = fields.Integer(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)

    def _provisioning(self, device):
        from provisioning.devices.service import provisioning_state

        return provisioning_state(device)


class DevicePatchSchema(DeviceSchema):
    class Meta(DeviceSchema.Meta):
        exclude = ("tenant_id",)  # a tenant change is a move (POST .../move), operators only


class DeviceListArgs(PageArgs):
    q = fields.String(validate=validate.Length(max=100))
    vendor = fields.String(validate=validate.OneOf(VENDORS))
    site_id = fields.Integer()
    employee_id = fields.Integer()
    assigned = fields.Boolean()
    tenant_id = fields.Integer()
    # stale=true: the phone last fetched another configuration version than the one rendered
    # now; stale=false: it runs the current one. A phone that never fetched is neither, unless
    # include_never_fetched=true counts it as stale.
    stale = fields.Boolean()
    include_never_fetched = fields.Boolean(load_default=False)


class AssignmentSchema(BaseSchema):
    employee_id = fields.Integer(required=True)


class AssignmentResultSchema(ma.Schema):
    device = fields.Nested(DeviceSchema)
    moved_from_employee_id = fields.Integer(allow_none=True)
    message = fields.String()


class MoveSchema(BaseSchema):
    tenant_id = fields.Integer(required=True)


class TargetNumber(fields.String):
    """An internal extension (2 to 10 digits) or an E.164 number."""

    def _deserialize(self, value, attr, data, **kwargs):
        raw = super()._deserialize(value, attr, data, **kwargs).strip()
        if _EXTENSION.match(raw):
            return raw
        try:
            return normalize_e164(raw)
        except ma.ValidationError as exc:
            raise ma.ValidationError(
                "neither an internal extension (2 to 10 digits) nor an E.164 number"
            ) from exc


class FunctionKeySchema(BaseSchema):
    position = fields.Integer(required=True, validate=validate.Range(min=1, max=200))
    kind = fields.Enum(KeyKind, by_value=True, required=True)
    target_employee_id = fields.Integer(allow_none=True)
    target_number = TargetNumber(allow_none=True)
    # No phone has anywhere near this many lines; the bound keeps the integer column safe.
    line = fields.Integer(load_default=1, validate=validate.Range(min=1, max=999))
    label = TrimmedString(allow_none=True, validate=validate.Length(max=64))

    @ma.validates_schema
    def _targets_fit_the_kind(self, data, **kwargs):
        employee, number = data.get("target_employee_id"), data.get("target_number")
        kind = data.get("kind")
        if kind is KeyKind.BLF:
            if employee is None:
                raise ma.ValidationError("a BLF key watches an employee", "target_employee_id")
            if number is not None:
                raise ma.ValidationError("a BLF key has no number", "target_number")
        elif kind is KeyKind.SPEED_DIAL:
            if (employee is None) == (number is None):
                raise ma.ValidationError(
                    "a speed dial calls either an employee or a number", "target_number"
                )
        elif kind is KeyKind.LINE and (employee is not None or number is not None):
            raise ma.ValidationError("a line key has no target", "kind")


DevicePage = page_schema(DeviceSchema, "DevicePage")
