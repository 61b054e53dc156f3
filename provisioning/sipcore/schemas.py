from __future__ import annotations

from marshmallow import fields, validate

from provisioning.common.mallow import BaseSchema, PageArgs, page_schema

STATES = ("registered", "not_registered", "unknown", "no_account")


class RegisteredContactSchema(BaseSchema):
    contact = fields.String(metadata={"description": "the Contact URI the phone registered"})
    source_address = fields.String(allow_none=True, metadata={
        "description": "address:port the registration came from (behind NAT: the router's)"})
    transport = fields.String()
    behind_nat = fields.Boolean()
    user_agent = fields.String()
    expires_at = fields.DateTime(allow_none=True)
    is_assigned_device = fields.Boolean(allow_none=True, metadata={
        "description": "this contact is the device (null: cannot tell)"})
    matched_by = fields.String(allow_none=True, metadata={
        "description": "'mac' (User-Agent or sip.instance) or 'address' (its last fetch)"})
    device_id = fields.Integer(allow_none=True)


class DeviceRegistrationSchema(BaseSchema):
    device_id = fields.Integer()
    mac = fields.String()
    vendor = fields.String()
    model = fields.String()
    employee_id = fields.Integer(allow_none=True)
    aor = fields.String(allow_none=True, metadata={"description": "user@SIP domain"})
    state = fields.String(validate=validate.OneOf(STATES), metadata={
        "description": "unknown: the SIP core did not answer (see reason)"})
    reason = fields.String(allow_none=True)
    registered = fields.Boolean(allow_none=True, metadata={
        "description": "some phone is registered on the device's account"})
    assigned_device_registered = fields.Boolean(allow_none=True, metadata={
        "description": "the registered phone is this device (null: cannot tell)"})
    config_current = fields.Boolean(allow_none=True, metadata={
        "description": "the phone last fetched the configuration rendered now"})
    contacts = fields.List(fields.Nested(RegisteredContactSchema))


class EmployeeRegistrationSchema(BaseSchema):
    employee_id = fields.Integer()
    aor = fields.String(allow_none=True)
    state = fields.String(validate=validate.OneOf(STATES))
    reason = fields.String(allow_none=True)
    registered = fields.Boolean(allow_none=True)
    contacts = fields.List(fields.Nested(RegisteredContactSchema))


class RegistrationListArgs(PageArgs):
    site_id = fields.Integer()
    employee_id = fields.Integer()
    vendor = fields.String()
    tenant_id = fields.Integer(metadata={"description": "operators: one tenant's devices"})


RegistrationPage = page_schema(DeviceRegistrationSchema, "RegistrationPage")


class NotifyOutcomeSchema(BaseSchema):
    contact = fields.String()
    code = fields.Integer(allow_none=True, metadata={"description": "the phone's SIP answer"})
    reason = fields.String()


class ResyncResultSchema(BaseSchema):
    device_id = fields.Integer()
    sent_at = fields.DateTime()
    notified = fields.List(fields.Nested(NotifyOutcomeSchema))
