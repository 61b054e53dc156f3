"""BLF keys light up: a watcher subscribed to a colleague gets dialog NOTIFYs through a call,
also after a new tenant was added meanwhile; a watcher of another tenant is refused. Real
Kamailio and sipp, SQLite and PostgreSQL."""

from __future__ import annotations

import time

import pytest

from provisioning.extensions import db
from provisioning.sip.service import sip_password_clear
from provisioning.sipcore.core import mark_ready
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


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"blf-{request.param}")
    config = core_config()
    with fresh_database(request.param, tmp) as url, committed_app(tmp, url, **config) as app:
        core = SipCoreProcess(tmp / "instance", url, config)
        try:
            core.start()
            mark_ready(app)
            with app.app_context():
                ids = {"a": make_tenant().id, "b": make_tenant().id}
                operator = headers_for(make_account("operator"))
            yield {"app": app, "core": core, "tmp": tmp, "config": config, "tenants": ids,
                   "operator": operator}
        finally:
            core.stop()
            drop_kamailio_database(url)


@pytest.fixture
def ctx(world):
    with world["app"].app_context():
        yield world
        db.session.remove()


def _phone(ctx, tenant_key: str, user_agent: str = "snomD785/10.1.184.15 000413000001"):
    employee = make_employee(db.session.get(Tenant, ctx["tenants"][tenant_key]))
    account = employee.sip_account
    return Phone(ctx["tmp"], ctx["config"]["SIP_PORT"], account.username, account.domain,
                 sip_password_clear(account), user_agent)


def _registered(ctx, *phones: Phone) -> set[str]:
    dump = ctx["core"].rpc.call("ul.dump")
    aors = {info["Info"]["AoR"] for d in dump["Domains"] for info in d["Domain"].get("AoRs", [])}
    return {f"{p.user}@{p.domain}" for p in phones} & aors


def test_a_watcher_sees_a_colleagues_call_also_after_a_new_tenant_was_added(ctx):
    target, watcher, caller = _phone(ctx, "a"), _phone(ctx, "a"), _phone(ctx, "a")
    assert target.register() and watcher.register()
    answering = target.expect("uas_answer.xml", timeout=20)
    watching = watcher.expect("blf_watcher.xml", target.user, timeout=20)
    try:
        # the subscription stands before the new tenant comes
        assert _wait_for_first_notify(watching)

        r = ctx["app"].test_client().post("/api/v1/tenants", headers=ctx["operator"], json={
            "name": "Newcomer", "customer_number": "C-NEW-1",
            "sip_domain": f"newcomer-{ctx['config']['SIP_PORT']}.sip.test"})
        assert r.status_code == 201, r.get_json()
        newcomer = _phone({**ctx, "tenants": {"n": r.get_json()["id"]}}, "n")
        assert newcomer.register(), "the new tenant's domain is served without a restart"
        assert _registered(ctx, target, watcher) == {f"{p.user}@{p.domain}"
                                                     for p in (target, watcher)}

        assert caller.run("caller.xml", target.user, timeout=15)
        answered, _ = answering.wait()
        ok, messages = watching.wait()
    finally:
        answering.stop()
        watching.stop()
    assert answered
    assert ok, messages
    assert "Event: dialog" in messages and "application/dialog-info+xml" in messages
    assert f'entity="sip:{target.user}@{target.domain}"' in messages
    assert "<state>confirmed</state>" in messages and "<state>terminated</state>" in messages


def _wait_for_first_notify(watching, timeout: float = 5.0) -> bool:
    """The subscription stands once the watcher got its first NOTIFY (sipp logs it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if watching.messages.exists() and "NOTIFY sip:" in watching.messages.read_text(
                errors="replace"):
            return True
        time.sleep(0.1)
    return False


def test_a_watcher_of_another_tenant_is_refused(ctx):
    target, outsider = _phone(ctx, "a"), _phone(ctx, "b")
    assert target.register()
    assert outsider.run("subscribe_forbidden.xml", target.user, target.domain)
