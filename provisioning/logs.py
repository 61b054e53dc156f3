"""Logging: level and JSON lines from configuration; secrets never reach a log line.

The redaction filter masks, in every message and argument, bearer tokens, passwords in
key=value or JSON form, and the tenants' provisioning URL secrets (a 32-hex path segment after
/p/), so a log shipped anywhere cannot be used to fetch a phone's file.
"""

from __future__ import annotations

import logging
import re
import sys

from pythonjsonlogger.json import JsonFormatter

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
