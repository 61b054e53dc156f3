from __future__ import annotations

import re

import marshmallow as ma
from marshmallow import fields, validate

from provisioning.accounts import policy
from provisioning.accounts.auth import password_expires_at
from provisioning.accounts.models import Role
from provisioning.common.mallow import BaseSchema, PageArgs, TrimmedString, page_schema

USERNAME = re.compile(r"^[A-Za-z0-9._@+-]{3,150}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
# New passwords: generous for passphrases, bounded so that hashing cannot be made expensive.
NEW_PASSWORD = validate.Length(min=1, max=256)


def _username(value: str) -> None:
    if not USERNAME.match(value):
        raise ma.ValidationError("3 to 150 characters: letters, digits and . _ @ + -")


def _language(value: str | None) -> None:
    if value is not None and not LANGUAGE.match(value):
        raise ma.ValidationError("a language tag such as 'de' or 'en-GB'")


def _iso(value):
    return value.isoformat() if value is not None else None


class AccountSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    tenant_id = fields.Integer(allow_none=True)
    username = fields.String(required=True, validate=_username)
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    language = fields.String(allow_none=True, validate=_language)
    role = fields.Enum(Role, by_value=True, required=True)
    password = fields.String(required=True, load_only=True, validate=NEW_PASSWORD)
    password_changed_at = fields.DateTime(dump_only=True)
    password_expires_at = fields.Function(
        lambda a: _iso(password_expires_at(a)), dump_only=True,
        metadata={"type": "string", "format": "date-time", "nullable": True})
    password_expiry_warning = fields.Function(policy.expiry_warning, dump_only=True,
                                              metadata={"type": "boolean"})
    password_change_required = fields.Function(policy.change_required, dump_only=True,
                                               metadata={"type": "boolean"})
    version = fields.Integer(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class AccountPatchSchema(BaseSchema):
    """What may change on an account; the username and tenant never do."""

    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    language = fields.String(allow_none=True, validate=_language)
    role = fields.Enum(Role, by_value=True)
    password = fields.String(load_only=True, validate=NEW_PASSWORD)


class MePatchSchema(BaseSchema):
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    language = fields.String(allow_none=True, validate=_language)


class AccountListArgs(PageArgs):
    tenant_id = fields.Integer()
    role = fields.Enum(Role, by_value=True)
    q = TrimmedString(validate=validate.Length(max=150))


AccountPage = page_schema(AccountSchema, "AccountPage")


class LoginSchema(BaseSchema):
    # Any string up to the longest possible name: a malformed name is just a wrong login.
    username = fields.String(required=True, validate=validate.Length(min=1, max=150))
    password = fields.String(required=True, load_only=True,
                             validate=validate.Length(min=1, max=1024))


class SessionSchema(BaseSchema):
    """A new token (shown once) and the state of the account's password."""

    token = fields.String(dump_only=True)
    expires_at = fields.DateTime(dump_only=True)
    password_expires_at = fields.DateTime(dump_only=True, allow_none=True)
    password_expiry_warning = fields.Boolean(dump_only=True)
    password_change_required = fields.Boolean(dump_only=True)


class PasswordChangeSchema(BaseSchema):
    current_password = fields.String(required=True, load_only=True,
                                      validate=validate.Length(min=1, max=1024))
    new_password = fields.String(required=True, load_only=True, validate=NEW_PASSWORD)


class PolicyArgs(BaseSchema):
    tenant_id = fields.Integer()


class PolicyLevelSchema(BaseSchema):
    level = fields.Integer()
    name = fields.String()
    description = fields.String()


class PasswordPolicySchema(BaseSchema):
    tenant_id = fields.Integer(allow_none=True)
    min_strength = fields.Integer()
    min_length = fields.Integer()
    max_age_days = fields.Integer(allow_none=True)
    expiry_warning_days = fields.Integer()
    levels = fields.List(fields.Nested(PolicyLevelSchema))
