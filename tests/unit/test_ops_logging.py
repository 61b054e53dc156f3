"""Logging: one access line per request, JSON lines on demand, and never a secret."""

from __future__ import annotations

import io
import json
import logging

import pytest

from provisioning.logs import redact
from tests.conftest import make_test_app

# Made-up secrets that must not appear in any log line.
URL_SECRET = "0123456789abcdef0123456789abcdef"  # noqa: S105
TOKEN = "pv_ThisIsABearerTokenThatMustNeverBeLogged"  # noqa: S105
PASSWORD = "Sup3r-Secret-Passw0rd!"  # noqa: S105


@pytest.fixture
def log_output(tmp_path):
    """(app, buffer): the service's own log handler, writing into a buffer."""

    def make(json_lines: bool):
        app = make_test_app(tmp_path, f"sqlite:///{tmp_path / 'log.sqlite'}", LOG_LEVEL="INFO",
                            LOG_JSON=json_lines)
        handler = next(h for h in logging.getLogger().handlers
                       if getattr(h, "_provisioning", False))
        buffer = io.StringIO()
        handler.setStream(buffer)
        return app, buffer

    yield make
    # Leave the process's logging as other tests expect it.
    make_test_app(tmp_path, f"sqlite:///{tmp_path / 'log.sqlite'}")


def _leaky_requests(app) -> None:
    client = app.test_client()
    client.get(f"/p/{URL_SECRET}/snom-000413000001.xml",
               headers={"Authorization": f"Bearer {TOKEN}"})
    client.post("/api/v1/auth/tokens", json={"username": "nobody", "password": PASSWORD})
    logging.getLogger("provisioning.test").warning(
        "payload %s from /p/%s/", json.dumps({"password": PASSWORD}), URL_SECRET)
    try:
        raise RuntimeError(f"failed with Authorization: Bearer {TOKEN} and password={PASSWORD}")
    except RuntimeError:
        logging.getLogger("provisioning.test").exception("something broke")


def _assert_clean(text: str) -> None:
    assert URL_SECRET not in text
    assert TOKEN not in text
    assert PASSWORD not in text


def test_plain_log_has_an_access_line_per_request_and_no_secret(log_output):
    app, buffer = log_output(json_lines=False)
    _leaky_requests(app)
    text = buffer.getvalue()
    _assert_clean(text)
    assert "GET /p/***/snom-000413000001.xml " in text
    assert "POST /api/v1/auth/tokens" in text
    assert "something broke" in text and "RuntimeError" in text


def test_json_mode_writes_parseable_lines_without_secrets(log_output):
    app, buffer = log_output(json_lines=True)
    _leaky_requests(app)
    text = buffer.getvalue()
    _assert_clean(text)
    records = [json.loads(line) for line in text.splitlines() if line.strip()]
    access = [r for r in records if r["name"] == "provisioning.access"]
    assert {r["method"] for r in access} == {"GET", "POST"}
    first = access[0]
    assert first["path"] == "/p/***/snom-000413000001.xml" and isinstance(first["status"], int)
    assert isinstance(first["duration_ms"], float) and first["level"] == "INFO"
    assert any("exc_info" in r and "RuntimeError" in r["exc_info"] for r in records)


def test_redact_masks_each_kind_of_secret():
    line = (f'Authorization: Bearer abc.def {TOKEN} {{"password": "{PASSWORD}"}} '
            f"user_pass=hunter22 /p/{URL_SECRET}/x")
    cleaned = redact(line)
    assert "abc.def" not in cleaned and "hunter22" not in cleaned
    _assert_clean(cleaned)
