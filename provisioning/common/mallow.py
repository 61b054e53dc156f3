"""One marshmallow base for the API: unknown fields are errors, shared field types."""

from __future__ import annotations

import re

import marshmallow as ma
from marshmallow import fields

from provisioning.common.mac import InvalidMac, normalize_mac


class BaseSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class MacAddress(fields.String):
    """Any common notation in, 12 lower-case hex digits stored and returned."""

    def _deserialize(self, value, attr, data, **kwargs):
        raw = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalize_mac(raw)
        except InvalidMac as exc:
            raise ma.ValidationError(str(exc)) from exc


_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
_NUMBER_NOISE = re.compile(r"[\s\-/().]")


def normalize_e164(raw: str) -> str:
    """'+49 (30) 1234-567' -> '+49301234567'; anything else is an error."""
    compact = _NUMBER_NOISE.sub("", raw)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not _E164.match(compact):
        raise ma.ValidationError(
            "not an E.164 number: a '+', the country code and at most 15 digits in all"
        )
    return compact


class E164Number(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        raw = super()._deserialize(value, attr, data, **kwargs)
        return normalize_e164(raw)


class TrimmedString(fields.String):
    """Strips surrounding blanks and refuses control characters (they break phone files)."""

    _CONTROL = re.compile(r"[\x00-\x1f\x7f]")

    def _deserialize(self, value, attr, data, **kwargs):
        raw = super()._deserialize(value, attr, data, **kwargs).strip()
        if self._CONTROL.search(raw):
            raise ma.ValidationError("control characters are not allowed")
        return raw


class PageArgs(BaseSchema):
    page = fields.Integer(load_default=1, validate=ma.validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=500))


def page_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A list answer: {"items": [...], "page", "per_page", "total"}."""
    return type(
        name,
        (ma.Schema,),
        {
            "items": fields.List(fields.Nested(item_schema)),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
            "total": fields.Integer(),
        },
    )
