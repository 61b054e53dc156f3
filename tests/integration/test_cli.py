"""The operators' command line, run as an operator would: configuration from the environment,
ENV=production (the default), a database of its own."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from provisioning import create_app
from provisioning.cli import main
from provisioning.crypto import SecretBox
from provisioning.extensions import db
from provisioning.instance import load_secrets
from provisioning.sip.models import SipAccount
from tests.factories import make_tenant
from tests.factories_ops import fresh_database
from tests.factories_people import make_employee

SCRIPT = str(Path(sys.executable).with_name("provisioning"))


@pytest.fixture
def operator_env(tmp_path, monkeypatch):
    """Point the command line at a new instance folder and a new SQLite database."""

    def use(instance: Path, database_url: str) -> None:
        monkeypatch.setenv("PROVISIONING_INSTANCE", str(instance))
        monkeypatch.setenv("DATABASE_URL", database_url)

    monkeypatch.setenv("PROVISIONING_ENV", "production")
    monkeypatch.setenv("PROVISIONING_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")  # Flask sets it; restored afterwards
    use(tmp_path / "instance", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    return use


def run(*args: str, ok: bool = True):
    result = CliRunner().invoke(main, list(args))
    if ok:
        assert result.exit_code == 0, (result.output, result.exception)
    assert "Traceback" not in result.output
    return result


def _password(output: str) -> str:
    return re.search(r"shown this once.*:\n\s+(\S+)", output).group(1)


def _app(instance: Path, database_url: str):
    return create_app({"ENV": "production", "INSTANCE_PATH": str(instance),
                       "SQLALCHEMY_DATABASE_URI": database_url, "LOG_LEVEL": "WARNING"})


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_operator_sets_up_a_production_instance_from_nothing(tmp_path, operator_env, backend):
    with fresh_database(backend, tmp_path) as url:
        operator_env(tmp_path / "instance", url)
        assert "init-instance" in run("journal", ok=False).output
        run("init")
        assert (os.stat(tmp_path / "instance").st_mode & 0o777) == 0o700
        out = run("tenant", "create", "--name", "ACME GmbH", "--customer-number", "K-1",
                  "--sip-domain", "acme.sip.test", "--superadmin", "chef",
                  "--email", "chef@acme.test").output
        password = _password(out)
        assert len(password) >= 20
        run("operator", "create", "ops")

        app = _app(tmp_path / "instance", url)
        try:
            r = app.test_client().post("/api/v1/auth/tokens",
                                       json={"username": "chef", "password": password})
            assert r.status_code == 201, r.json
        finally:
            with app.app_context():
                db.engine.dispose()

        lines = run("journal", "--json", "--object-type", "accounts").output.splitlines()
        entries = [json.loads(line) for line in lines]
        assert {e["changes"]["username"] for e in entries if e["action"] == "create"} == {
            "chef", "ops"}
        assert all(e["via"] == "cli" and e["actor"].startswith("cli:") for e in entries)
        assert all(e["changes"]["password_hash"] == "***" for e in entries)  # noqa: S105 - the mask
        table = run("journal", "--limit", "1").output
        assert "cli:" in table and password not in table


def test_mistakes_end_with_a_message_not_a_traceback(operator_env):
    run("init")
    run("operator", "create", "ops")
    again = run("operator", "create", "ops", ok=False)
    assert again.exit_code == 1 and "username is taken" in again.output
    bad = run("tenant", "create", "--name", "X", "--customer-number", "K-9", "--sip-domain",
              "not a domain!", "--superadmin", "chef", ok=False)
    assert bad.exit_code == 2 and "sip_domain" in bad.output
    assert run("journal", "--since", "yesterday", ok=False).exit_code == 2


def test_backup_and_restore_from_the_command_line(tmp_path, operator_env):
    run("init")
    run("tenant", "create", "--name", "ACME", "--customer-number", "K-1", "--sip-domain",
        "acme.sip.test", "--superadmin", "chef")
    archive = tmp_path / "nightly.tar.gz"
    assert "with the instance secrets" in run("backup", str(archive)).output
    assert "already exists" in run("backup", str(archive), ok=False).output

    refused = run("restore", str(archive), ok=False)  # into the instance it came from
    assert refused.exit_code == 1 and "already holds secrets" in refused.output

    operator_env(tmp_path / "second", f"sqlite:///{tmp_path / 'second.sqlite'}")
    run("restore", str(archive))
    tenants = [json.loads(line) for line in
               run("journal", "--json", "--object-type", "tenants").output.splitlines()]
    assert [t["changes"]["name"] for t in tenants] == ["ACME"]
    assert load_secrets(tmp_path / "second") == load_secrets(tmp_path / "instance")


@pytest.mark.parametrize("keep_old", [False, True])
def test_rotating_the_key_re_encrypts_every_sip_password(tmp_path, operator_env, keep_old):
    run("init")
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    app = _app(tmp_path / "instance", url)
    with app.app_context():
        employee = make_employee(make_tenant())
        sip = employee.sip_account
        token, version = sip.password_encrypted, sip.version
        db.engine.dispose()
    old = load_secrets(tmp_path / "instance")
    clear = SecretBox(old.encryption_keys, old.url_key).decrypt(token)

    out = run("rotate-key", *(["--keep-old"] if keep_old else [])).output
    assert "Re-encrypted 1 secrets" in out

    new = load_secrets(tmp_path / "instance")
    assert new.encryption_keys[0] not in old.encryption_keys
    assert new.encryption_keys[1:] == (old.encryption_keys if keep_old else ())
    app = _app(tmp_path / "instance", url)
    with app.app_context():
        row = db.session.execute(select(SipAccount)).scalar_one()
        assert row.password_encrypted != token and row.version == version, \
            "re-encryption is not a change of the account"
        assert SecretBox(new.encryption_keys[:1], new.url_key).decrypt(row.password_encrypted) \
            == clear
        db.engine.dispose()
    assert "rotate_key" in run("journal", "--action", "rotate_key").output


def _script(*args: str, env: dict, **kw):
    return subprocess.run([SCRIPT, *args], env=env, capture_output=True, text=True, timeout=60,
                          **kw)


def test_the_console_script_refuses_to_start_without_secrets(tmp_path):
    env = {**os.environ, "PROVISIONING_INSTANCE": str(tmp_path / "none"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}", "PROVISIONING_ENV": "production"}
    for args in (["journal"], ["db", "upgrade"], ["worker"]):
        result = _script(*args, env=env)
        assert result.returncode == 1, result
        assert "provisioning init-instance" in result.stderr and "Traceback" not in result.stderr
    assert "init-instance" in _script("--help", env=env).stdout


def test_the_worker_stops_cleanly_on_sigterm(tmp_path):
    env = {**os.environ, "PROVISIONING_INSTANCE": str(tmp_path / "i"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'w.sqlite'}", "PROVISIONING_ENV": "production",
           "PROVISIONING_WORKER_POLL_SECONDS": "0.1"}
    assert _script("init", env=env).returncode == 0
    worker = subprocess.Popen([SCRIPT, "worker"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.5)
        worker.send_signal(signal.SIGTERM)
        _, stderr = worker.communicate(timeout=20)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    assert worker.returncode == 0, stderr
    assert "SIGTERM" in stderr and "Traceback" not in stderr
