"""Forms: what a browser posts, loaded with the API's own schemas (the same rules), and the
errors of either the schema or a service, ready for a template."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import marshmallow as ma
from flask import current_app, request
from werkzeug.datastructures import MultiDict

from provisioning.errors import DomainError
from provisioning.extensions import db
from provisioning.portal.i18n import error_message


@dataclass
class Problem:
    """What went wrong, for the page: one message, and messages per field."""

    message: str
    fields: dict[str, Any] = field(default_factory=dict)
    status: int = 422
    details: dict[str, Any] = field(default_factory=dict)


def values(names: list[str] | tuple[str, ...], form: MultiDict | None = None,
           blank_is_none: bool = True) -> dict[str, Any]:
    """The named fields the browser sent; an empty optional field means "none"."""
    form = request.form if form is None else form
    out: dict[str, Any] = {}
    for name in names:
        if name not in form:
            continue
        value = form.get(name, "").strip()
        out[name] = None if blank_is_none and value == "" else value
    return out


def checkbox(name: str, form: MultiDict | None = None) -> bool:
    form = request.form if form is None else form
    return form.get(name) in ("on", "true", "1", "yes")


def load(schema: ma.Schema, data: Any) -> Any:
    return schema.load(data)


def problem(exc: Exception) -> Problem:
    """The page's view of a failed action. The request's transaction is rolled back here: a
    service may have flushed half of the change before it refused the rest."""
    db.session.rollback()
    if isinstance(exc, ma.ValidationError):
        from provisioning.portal.i18n import gettext

        messages = exc.messages if isinstance(exc.messages, dict) else {"_": exc.messages}
        return Problem(gettext("Some fields need a second look."), _flat(messages))
    if isinstance(exc, DomainError):
        fields = (exc.details or {}).get("fields")
        return Problem(error_message(exc), _flat(fields) if isinstance(fields, dict) else {},
                       exc.status, exc.details or {})
    raise exc


def _flat(messages: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in messages.items():
        if isinstance(value, dict):
            for sub, text in _flat(value).items():
                out[f"{key}.{sub}"] = text
        elif isinstance(value, list):
            out[str(key)] = "; ".join(str(v) for v in value)
        else:
            out[str(key)] = str(value)
    return out


FAILURES = (ma.ValidationError, DomainError)


def page_args(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """page/per_page from the query string, bounded like the API's."""
    def number(name: str, default: int) -> int:
        try:
            return max(1, int(request.args.get(name, default)))
        except ValueError:
            return default

    per_page = min(number("per_page", 50), int(current_app.config["PAGE_SIZE_MAX"]))
    return {"page": number("page", 1), "per_page": per_page, **(extra or {})}
