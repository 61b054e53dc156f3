"""Domain errors inside, one JSON shape outside: {"error_id", "message", "details"}.

Services raise these; the handlers registered in ``register_error_handlers`` turn them (and
Werkzeug's HTTP errors, and marshmallow/webargs validation errors) into that shape. ``error_id`` is
stable: tests and clients match on it, never on the message.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    status = 400
    error_id = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        error_id: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}
        if error_id:
            self.error_id = error_id
        self.headers = headers or {}


class ValidationFailed(DomainError):
    status = 422
    error_id = "validation_failed"


class NotFound(DomainError):
    status = 404
    error_id = "not_found"

    def __init__(self, what: str = "object", **kw: Any) -> None:
        super().__init__(f"{what} not found", **kw)


class Conflict(DomainError):
    status = 409
    error_id = "conflict"


class Unauthenticated(DomainError):
    status = 401
    error_id = "unauthenticated"


class Forbidden(DomainError):
    status = 403
    error_id = "forbidden"


class PreconditionFailed(DomainError):
    status = 412
    error_id = "precondition_failed"


class TooManyRequests(DomainError):
    status = 429
    error_id = "too_many_requests"


class ServiceUnavailable(DomainError):
    status = 503
    error_id = "unavailable"


def error_body(error_id: str, message: str, details: dict[str, Any] | None = None) -> dict:
    return {"error_id": error_id, "message": message, "details": details or {}}


def _domain(exc: DomainError):
    response = jsonify(error_body(exc.error_id, exc.message, exc.details))
    response.status_code = exc.status
    for key, value in exc.headers.items():
        response.headers[key] = value
    return response


_HTTP_IDS = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    422: "validation_failed",
    428: "precondition_required",
    429: "too_many_requests",
    431: "headers_too_large",
}


def _http(exc: HTTPException):
    code = exc.code or 500
    details: dict[str, Any] = {}
    data = getattr(exc, "data", None)
    message = exc.description or exc.name
    if isinstance(data, dict) and "messages" in data:
        # webargs: {"json": {"field": ["msg"]}} -> {"field": ["msg"]}
        messages = data["messages"]
        if isinstance(messages, dict) and len(messages) == 1:
            messages = next(iter(messages.values()))
        details = {"fields": messages}
        message = "The request has invalid or unknown fields"
        code = 422
    response = jsonify(error_body(_HTTP_IDS.get(code, "http_error"), message, details))
    response.status_code = code
    if code == 405 and exc.get_headers():
        for key, value in exc.get_headers():
            if key.lower() == "allow":
                response.headers["Allow"] = value
    return response


def _unexpected(exc: Exception):
    log.exception("unhandled error")
    response = jsonify(error_body("internal_error", "Internal error; it has been logged"))
    response.status_code = 500
    return response


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, _domain)
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(Exception, _unexpected)
