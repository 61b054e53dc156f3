"""A small JSON-RPC client for Kamailio's jsonrpcs module over HTTP (loopback).

Every call has a timeout: a Kamailio that is down or stuck makes the caller fail fast with
``CoreUnavailable`` instead of hanging a web worker.
"""

from __future__ import annotations

import http.client
import itertools
import json
import socket
from typing import Any
from urllib.parse import urlsplit

from pbx.core import CoreUnavailable

_ids = itertools.count(1)


class RpcError(RuntimeError):
    """Kamailio answered with an error object ("AOR not found", "Method Not Found", ...)."""

    def __init__(self, code: int | None, message: str) -> None:
        super().__init__(f"{message} ({code})")
        self.code = code
        self.message = message


class RpcClient:
    def __init__(self, url: str, timeout: float = 2.0) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.path = parts.path or "/RPC"
        self.timeout = timeout

    def call(self, method: str, *params: Any, timeout: float | None = None) -> Any:
        body = {"jsonrpc": "2.0", "method": method, "id": next(_ids)}
        if params:
            body["params"] = list(params)
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout or self.timeout)
        try:
            conn.request("POST", self.path, json.dumps(body).encode(),
                         {"Content-Type": "application/json"})
            response = conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as exc:
            reason = "timed out" if isinstance(exc, socket.timeout | TimeoutError) else str(exc)
            raise CoreUnavailable(f"Kamailio's JSON-RPC at {self.host}:{self.port}: {reason}"
                                  ) from exc
        finally:
            conn.close()
        try:
            doc = json.loads(raw)
        except ValueError as exc:
            raise CoreUnavailable(f"Kamailio answered HTTP {response.status} without JSON"
                                  ) from exc
        if "error" in doc:
            error = doc["error"] or {}
            raise RpcError(error.get("code"), str(error.get("message", "")))
        return doc.get("result")
