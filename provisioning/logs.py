"""Logging: level and JSON lines from configuration; secrets never reach a log line.

The redaction filter masks, in every message and argument, bearer tokens, passwords in
key=value or JSON form, and the tenants' provisioning URL secrets (a 32-hex path segment after
/p/), so a log shipped anywhere cannot be used to fetch a phone's file.
"""

from __future__ import annotations

import logging
import re
import sys
import time

from flask import Flask, g, request
from pythonjsonlogger.json import JsonFormatter

access_log = logging.getLogger("provisioning.access")

_PATTERNS = [
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9_\-\.]+"), r"\1***"),
    (re.compile(r"pv_[A-Za-z0-9_\-]{20,}"), "pv_***"),
    (re.compile(r"(?i)(\"?(?:password|passwd|secret|token|user_pass)\"?\s*[:=]\s*\"?)[^\s\",&]+"),
     r"\1***"),
    (re.compile(r"(/p/)[0-9a-f]{32}"), r"\1***"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken log call must not break the request
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info:
            # A traceback's message may quote a secret (an SQL parameter, a token): redact it
            # as text, for every formatter (the JSON one re-formats exc_info otherwise).
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def configure_logging(level: str = "INFO", json_lines: bool = False) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_provisioning", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._provisioning = True  # type: ignore[attr-defined]
    if json_lines:
        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                                           rename_fields={"asctime": "time", "levelname": "level"}))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(level.upper())


def init_app(app: Flask) -> None:
    """One access-log line per request. Installed before the database's commit hook, so that
    this after_request runs after it (Flask runs them in reverse) and logs the final status."""
    # SQLAlchemy quotes statement parameters (password hashes, encrypted SIP passwords) in its
    # error messages unless told not to; those messages reach the log through tracebacks.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}), "hide_parameters": True}
    app.before_request(_start_clock)
    app.after_request(_log_request)


def _start_clock() -> None:
    g.request_started = time.perf_counter()
    g.pop("phone_fetch", None)  # g outlives a request where an app context is shared (tests)


def _log_request(response):
    started = g.get("request_started")
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
    path = redact(request.path)
    extra = {"method": request.method, "path": path, "status": response.status_code,
             "duration_ms": duration_ms, "remote_addr": request.remote_addr}
    fetch = g.get("phone_fetch")  # set by the phones' route: what the phone got
    if fetch:
        extra.update(fetch)
        access_log.info(
            "%s %s %s %sms %s tenant=%s mac=%s file=%s variant=%s", request.method, path,
            response.status_code, duration_ms, request.remote_addr, fetch["tenant"],
            fetch["mac"], fetch["file"], fetch["variant"], extra=extra)
    else:
        access_log.info("%s %s %s %sms %s", request.method, path, response.status_code,
                        duration_ms, request.remote_addr, extra=extra)
    return response
