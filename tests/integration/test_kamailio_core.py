"""Kamailio as the service runs it: its own database holds digest hashes that follow every
change at once, reconcile repairs it, scanners are blocked, failed logins are logged for
fail2ban, and a killed Kamailio is restarted while the API says "unknown" fast. SQLite and
PostgreSQL, one Kamailio per backend."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest
import sqlalchemy as sa

from pbx.kamailio.schema import engine_for, ensure_schema
from provisioning import REPO_ROOT
from provisioning.extensions import db
from provisioning.sip.service import sip_password_clear
from provisioning.sipcore.core import kamailio_settings, mark_ready
from provisioning.tenants.models import Tenant
from tests.factories import headers_for, make_account, make_tenant
from tests.factories_ops import committed_app, fresh_database
from tests.factories_people import make_employee
from tests.integration.sipcore_world import (
    Phone,
    SipCoreProcess,
    core_config,
    drop_kamailio_database,
)

pytestmark = pytest.mark.slow

# The fail2ban filter the README gives for the SIP core's log.
FAIL2BAN_REGEX = r"SIP auth failed user=\S* domain=\S* from=<HOST> "


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"kamailio-{request.param}")
    config = core_config(SIP_PIKE_REQUESTS=20, SIP_BAN_SECONDS=60)
    with fresh_database(request.param, tmp) as url, committed_app(tmp, url, **config) as app:
        core = SipCoreProcess(tmp / "instance", url, config)
        try:
            core.start()
            mark_ready(app)
            with app.app_context():
                tenant_id = make_tenant().id
                admin = headers_for(make_account("superadmin", db.session.get(Tenant, tenant_id)))
                operator = headers_for(make_account("operator"))
                kamailio_url = kamailio_settings(app).db_url
            yield {"app": app, "core": core, "tmp": tmp, "config": config, "url": url,
                   "tenant_id": tenant_id, "admin": admin, "operator": operator,
                   "kamailio_url": kamailio_url}
        finally:
            core.stop()
            drop_kamailio_database(url)


@pytest.fixture
def ctx(world):
    with world["app"].app_context():
        yield {**world, "tenant": db.session.get(Tenant, world["tenant_id"])}
        db.session.remove()


def _rows(ctx, table: str) -> list[dict]:
    engine = engine_for(ctx["kamailio_url"])
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(sa.text("*")).select_from(sa.table(table)))
            return [dict(r._mapping) for r in rows]
    finally:
        engine.dispose()


def _subscriber(ctx, username: str) -> dict | None:
    found = [r for r in _rows(ctx, "subscriber") if r["username"] == username]
    return found[0] if found else None


def _phone(ctx, employee, **options) -> Phone:
    account = employee.sip_account
    return Phone(ctx["tmp"], ctx["config"]["SIP_PORT"], account.username, account.domain,
                 sip_password_clear(account), "snomD785/10.1.184.15 000413000002", **options)


def _client(ctx):
    return ctx["app"].test_client()


def test_kamailio_keeps_the_digest_hashes_not_the_password(ctx):
    employee = make_employee(ctx["tenant"])
    account, password = employee.sip_account, sip_password_clear(employee.sip_account)
    row = _subscriber(ctx, account.username)
    assert row is not None and row["domain"] == ctx["tenant"].sip_domain
    assert row["password"] == ""
    realm = ctx["tenant"].sip_domain
    digest = hashlib.md5(f"{account.username}:{realm}:{password}".encode())  # noqa: S324 - SIP
    assert row["ha1"] == digest.hexdigest()
    assert ctx["tenant"].sip_domain in {r["domain"] for r in _rows(ctx, "domain")}


def test_a_disabled_or_deleted_account_stops_authenticating_at_once(ctx):
    employee = make_employee(ctx["tenant"])
    phone = _phone(ctx, employee)
    assert phone.register()
    r = _client(ctx).patch(f"/api/v1/employees/{employee.id}/sip-account", headers=ctx["admin"],
                           json={"enabled": False})
    assert r.status_code == 200, r.get_json()
    assert _subscriber(ctx, phone.user) is None
    assert f"{phone.user}@{phone.domain}" not in json.dumps(ctx["core"].rpc.call("ul.dump"))
    assert phone.register(expect=403)

    r = _client(ctx).patch(f"/api/v1/employees/{employee.id}/sip-account", headers=ctx["admin"],
                           json={"enabled": True})
    assert r.status_code == 200
    assert phone.register()

    assert _client(ctx).delete(f"/api/v1/employees/{employee.id}",
                               headers=ctx["admin"]).status_code == 204
    assert _subscriber(ctx, phone.user) is None
    assert phone.register(expect=403)


def test_a_tenants_new_sip_domain_takes_its_subscribers_along(ctx):
    tenant = make_tenant()
    employee = make_employee(tenant)
    old = _phone(ctx, employee)
    assert old.register()
    r = _client(ctx).patch(f"/api/v1/tenants/{tenant.id}", headers=ctx["operator"],
                           json={"sip_domain": f"moved-{tenant.id}.sip.test"})
    assert r.status_code == 200, r.get_json()
    assert _subscriber(ctx, old.user)["domain"] == f"moved-{tenant.id}.sip.test"
    domains = {row["domain"] for row in _rows(ctx, "domain")}
    assert f"moved-{tenant.id}.sip.test" in domains and old.domain not in domains
    assert old.register(expect=403)
    moved = Phone(ctx["tmp"], ctx["config"]["SIP_PORT"], old.user, f"moved-{tenant.id}.sip.test",
                  old.password, old.user_agent)
    assert moved.register()


def _cli(ctx, *args: str) -> subprocess.CompletedProcess:
    env = {**ctx["core"].env}
    return subprocess.run([str(REPO_ROOT / ".venv" / "bin" / "provisioning"), *args],
                          capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=60,
                          check=False)


def test_reconcile_brings_kamailios_rows_back_in_step(ctx):
    employee = make_employee(ctx["tenant"])
    username = employee.sip_account.username
    engine = engine_for(ctx["kamailio_url"])
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM subscriber WHERE username = :u"), {"u": username})
            conn.execute(sa.text("INSERT INTO subscriber (username, domain, password, ha1, ha1b) "
                                 "VALUES ('intruder', :d, '', 'x', 'y')"),
                         {"d": ctx["tenant"].sip_domain})
            conn.execute(sa.text("INSERT INTO domain (domain) VALUES ('stale.sip.test')"))
    finally:
        engine.dispose()
    db.session.commit()  # SQLite: release our transaction, the command opens its own
    done = _cli(ctx, "sip", "reconcile")
    assert done.returncode == 0, done.stderr
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    assert counts["subscribers_written"] >= 1 and counts["subscribers_removed"] >= 1
    assert counts["domains_removed"] == 1
    assert _subscriber(ctx, username) is not None and _subscriber(ctx, "intruder") is None
    assert _phone(ctx, employee).register()


def test_json_rpc_is_on_loopback_only_and_answers_400_to_bad_json(ctx):
    cfg = (ctx["tmp"] / "instance" / "run" / "kamailio" / "kamailio.cfg").read_text()
    assert f"listen=tcp:127.0.0.1:{ctx['config']['KAMAILIO_RPC_PORT']}" in cfg
    request = urllib.request.Request(
        f"http://127.0.0.1:{ctx['config']['KAMAILIO_RPC_PORT']}/RPC", data=b"{not json",
        headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(request, timeout=3)
    assert answer.value.code == 400
    assert json.load(answer.value)["error"]["code"] == -32700


def test_a_failed_authentication_is_logged_in_a_line_fail2ban_matches(ctx):
    phone = _phone(ctx, make_employee(ctx["tenant"]))
    assert phone.register("wrong-password", expect=403)
    pattern = re.compile(FAIL2BAN_REGEX.replace("<HOST>", r"(?P<host>\S+)"))
    lines = [m for m in pattern.finditer(ctx["core"].tail(200_000))
             if f"user={phone.user} " in m.group(0)]
    assert lines and lines[-1].group("host") == "127.0.0.1"


def _options(domain: str, port: int, n: int) -> bytes:
    return (f"OPTIONS sip:{domain} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.2:{port};branch=z9hG4bK-scan{n}\r\n"
            "Max-Forwards: 70\r\n"
            f"From: <sip:scanner@{domain}>;tag=s{n}\r\nTo: <sip:{domain}>\r\n"
            f"Call-ID: scan-{n}@127.0.0.2\r\nCSeq: {n} OPTIONS\r\nContent-Length: 0\r\n\r\n"
            ).encode()


def test_a_flooding_source_is_dropped_while_phones_go_on(ctx):
    target = ("127.0.0.1", ctx["config"]["SIP_PORT"])
    domain = ctx["tenant"].sip_domain
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as scanner:
        scanner.bind(("127.0.0.2", 0))
        scanner.settimeout(2)
        port = scanner.getsockname()[1]
        scanner.sendto(_options(domain, port, 1), target)
        assert scanner.recv(4096).startswith(b"SIP/2.0 200")
        for n in range(2, 200):
            scanner.sendto(_options(domain, port, n), target)
        time.sleep(0.5)
        scanner.settimeout(0.1)
        try:
            while scanner.recv(4096):  # drain the answers sent before the block
                pass
        except TimeoutError:
            pass
        scanner.settimeout(1.5)
        scanner.sendto(_options(domain, port, 500), target)
        with pytest.raises(TimeoutError):
            scanner.recv(4096)
    assert "SIP flood blocked from=127.0.0.2" in ctx["core"].tail(200_000)
    assert _phone(ctx, make_employee(ctx["tenant"])).register()


def test_a_killed_kamailio_is_restarted_and_meanwhile_the_api_says_unknown_fast(ctx):
    employee = make_employee(ctx["tenant"])
    device = _client(ctx).post("/api/v1/devices", headers=ctx["admin"], json={
        "mac": "000413000002", "vendor": "snom", "model": "D785",
        "employee_id": employee.id}).get_json()
    phone = _phone(ctx, employee)
    assert phone.register()
    url = f"/api/v1/devices/{device['id']}/registration"
    assert _client(ctx).get(url, headers=ctx["admin"]).get_json()["state"] == "registered"

    old_pid = ctx["core"].kamailio_pid()
    os.kill(old_pid, signal.SIGKILL)
    answers = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        started = time.monotonic()
        body = _client(ctx).get(url, headers=ctx["admin"]).get_json()
        answers.append((body["state"], body["reason"], time.monotonic() - started))
        if body["state"] != "unknown" and any(a[0] == "unknown" for a in answers):
            break
        time.sleep(0.05)
    unknown = [a for a in answers if a[0] == "unknown"]
    assert unknown, answers
    assert all(reason for _, reason, _ in unknown)
    assert max(took for *_, took in answers) < 1.0
    ctx["core"].wait_ready(not_pid=old_pid)
    assert ctx["core"].kamailio_pid() != old_pid
    assert phone.register()
    assert _client(ctx).get(url, headers=ctx["admin"]).get_json()["state"] == "registered"


def test_a_schema_of_another_kamailio_version_is_built_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'kamailio.sqlite'}"
    assert "auth_db" in ensure_schema(url)
    engine = engine_for(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE version SET table_version = 6 "
                                 "WHERE table_name = 'subscriber'"))
    finally:
        engine.dispose()
    assert ensure_schema(url) == ["auth_db"]
    assert ensure_schema(url) == []
