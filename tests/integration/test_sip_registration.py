"""Phones register on the bundled SIP core with what their configuration file says, and the API
shows it; a changed password reaches the phone by check-sync. Real Kamailio (``provisioning sip
run``), sipp as the phones, on SQLite and PostgreSQL (each module gets its own Kamailio and
database)."""

from __future__ import annotations

import re
import time

import pytest
from lxml import etree

from provisioning.extensions import db
from provisioning.jobs.worker import Worker
from provisioning.sipcore.core import mark_ready
from provisioning.tenants.models import Tenant
from tests.factories import headers_for, make_account, make_tenant
from tests.factories_ops import committed_app, fresh_database
from tests.factories_people import make_employee
from tests.integration.sipcore_world import (
    SNOM_SIP_UA,
    YEALINK_SIP_UA,
    Phone,
    SipCoreProcess,
    core_config,
    drop_kamailio_database,
    tls_hop,
)

pytestmark = pytest.mark.slow

SNOM_HTTP_UA = "Mozilla/4.0 (compatible; snomD785-SIP 10.1.184.15 {MAC} SXM:0 UXM:0)"
YEALINK_HTTP_UA = "Yealink SIP-T54W 96.86.0.100 {mac_colons}"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"sip-{request.param}")
    config = core_config(TRUSTED_PROXIES=["127.0.0.1/32"], PHONE_TENANT_CACHE_SECONDS=0)
    with fresh_database(request.param, tmp) as url, committed_app(tmp, url, **config) as app:
        core = SipCoreProcess(tmp / "instance", url, config)
        try:
            core.start()
            mark_ready(app)
            with app.app_context():
                tenant = make_tenant()
                headers = headers_for(make_account("superadmin", tenant))
                tenant_id = tenant.id
            yield {"app": app, "core": core, "tmp": tmp, "config": config,
                   "tenant_id": tenant_id, "headers": headers}
        finally:
            core.stop()
            drop_kamailio_database(url)


@pytest.fixture
def ctx(world):
    with world["app"].app_context():
        yield {**world, "tenant": db.session.get(Tenant, world["tenant_id"])}
        db.session.remove()


_macs = iter(range(0x100, 0xFFFF))


def _device(world, vendor: str, employee_id: int) -> dict:
    prefix = "000413" if vendor == "snom" else "805ec0"
    body = {"mac": f"{prefix}{next(_macs):06x}", "vendor": vendor,
            "model": "D785" if vendor == "snom" else "T54W", "employee_id": employee_id}
    r = world["app"].test_client().post("/api/v1/devices", headers=world["headers"], json=body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _fetch_credentials(world, device: dict) -> dict[str, str]:
    """The device's configuration as the phone fetches it (through the TLS front), parsed."""
    app, mac = world["app"], device["mac"]
    secret = app.extensions["provisioning.render_store"].tenants()[world["tenant_id"]]["secret"]
    colons = ":".join(mac[i:i + 2] for i in range(0, 12, 2))
    if device["vendor"] == "snom":
        name, ua = f"{mac.upper()}.xml", SNOM_HTTP_UA.format(MAC=mac.upper())
    else:
        name, ua = f"{mac}.cfg", YEALINK_HTTP_UA.format(mac_colons=colons)
    r = app.test_client().get(f"/p/{secret}/{name}", environ_base={"REMOTE_ADDR": "127.0.0.1"},
                              headers={"User-Agent": ua, "X-Forwarded-For": "127.0.0.1",
                                       "X-Forwarded-Proto": "https"})
    assert r.status_code == 200, r.data[:300]
    recorder = app.extensions.get("provisioning.fetch_recorder")
    if recorder is not None:
        recorder.flush_now()
    if device["vendor"] == "snom":
        root = etree.fromstring(r.data)
        outbound = root.findtext(".//user_outbound")
        return {"user": root.findtext(".//user_name"), "password": root.findtext(".//user_pass"),
                "domain": root.findtext(".//user_host"),
                "port": re.search(r":(\d+)", outbound).group(1)}
    values = dict(re.findall(r"^(account\.1\.[\w.]+) = (.*)$", r.data.decode(), re.M))
    return {"user": values["account.1.user_name"], "password": values["account.1.password"],
            "domain": values["account.1.sip_server.1.address"],
            "port": values.get("account.1.outbound_proxy.1.port")
            or values["account.1.sip_server.1.port"]}


def _sip_ua(device: dict) -> str:
    mac = device["mac"]
    colons = ":".join(mac[i:i + 2] for i in range(0, 12, 2))
    return (SNOM_SIP_UA.format(mac=mac) if device["vendor"] == "snom"
            else YEALINK_SIP_UA.format(mac_colons=colons))


def _phone(world, creds: dict, user_agent: str, **options) -> Phone:
    return Phone(world["tmp"], int(creds["port"]), creds["user"], creds["domain"],
                 creds["password"], user_agent, **options)


def _registration(world, device_id: int) -> dict:
    r = world["app"].test_client().get(f"/api/v1/devices/{device_id}/registration",
                                       headers=world["headers"])
    assert r.status_code == 200, r.get_json()
    return r.get_json()


@pytest.mark.parametrize("vendor", ["snom", "yealink"])
def test_a_phone_registers_with_the_credentials_of_its_file_and_shows_registered(ctx, vendor):
    employee = make_employee(ctx["tenant"])
    device = _device(ctx, vendor, employee.id)
    creds = _fetch_credentials(ctx, device)
    assert creds["port"] == str(ctx["config"]["SIP_PORT"])
    assert _registration(ctx, device["id"])["state"] == "not_registered"

    phone = _phone(ctx, creds, _sip_ua(device))
    assert phone.register()

    status = _registration(ctx, device["id"])
    assert status["state"] == "registered" and status["registered"] is True
    assert status["assigned_device_registered"] is True
    assert status["config_current"] is True
    [contact] = status["contacts"]
    assert contact["contact"] == f"sip:{creds['user']}@127.0.0.1:{phone.port};transport=UDP"
    assert contact["source_address"] == f"127.0.0.1:{phone.port}"
    assert contact["user_agent"] == _sip_ua(device)
    assert contact["is_assigned_device"] is True and contact["matched_by"] == "mac"
    assert contact["expires_at"] is not None and contact["behind_nat"] is False

    page = ctx["app"].test_client().get("/api/v1/registrations?per_page=500",
                                        headers=ctx["headers"]).get_json()
    listed = {item["device_id"]: item for item in page["items"]}
    assert listed[device["id"]]["contacts"] == status["contacts"]
    r = ctx["app"].test_client().get(f"/api/v1/employees/{employee.id}/registration",
                                     headers=ctx["headers"])
    assert r.get_json()["contacts"][0]["device_id"] == device["id"]


def test_a_wrong_password_is_refused_with_403_and_the_device_stays_unregistered(ctx):
    device = _device(ctx, "snom", make_employee(ctx["tenant"]).id)
    creds = _fetch_credentials(ctx, device)
    phone = _phone(ctx, creds, _sip_ua(device))
    assert phone.register("not-the-password", expect=403)
    unknown = _phone(ctx, {**creds, "user": "u99999999"}, _sip_ua(device))
    assert unknown.register(expect=403)
    assert _registration(ctx, device["id"])["state"] == "not_registered"


def test_a_new_sip_password_reaches_the_phone_by_check_sync(ctx):
    app = ctx["app"]
    employee = make_employee(ctx["tenant"])
    device = _device(ctx, "snom", employee.id)
    old = _fetch_credentials(ctx, device)
    phone = _phone(ctx, old, _sip_ua(device))
    assert phone.register()
    notify = phone.expect("uas_notify.xml", timeout=10)
    try:
        r = app.test_client().post(f"/api/v1/employees/{employee.id}/sip-account/password",
                                   headers=ctx["headers"])
        assert r.status_code == 200
        new_password = r.get_json()["password"]
        Worker(app, name="test").run_pending()  # the staggered re-sync job (no delay here)
        ok, messages = notify.wait()
    finally:
        notify.stop()
    assert ok, messages
    assert "Event: check-sync;reboot=false" in messages

    assert phone.register(old["password"], expect=403)
    new = _fetch_credentials(ctx, device)
    assert new["password"] == new_password != old["password"]
    assert phone.register(new["password"])
    assert _registration(ctx, device["id"])["state"] == "registered"


def test_resync_notifies_only_the_device_not_other_phones_on_its_account(ctx):
    employee = make_employee(ctx["tenant"])
    device = _device(ctx, "yealink", employee.id)
    creds = _fetch_credentials(ctx, device)
    desk = _phone(ctx, creds, _sip_ua(device))
    softphone = _phone(ctx, creds, "Zoiper v2.10")
    assert desk.register() and softphone.register()
    desk_waits = desk.expect("uas_notify.xml", timeout=8)
    soft_waits = softphone.expect("uas_notify.xml", timeout=3)
    try:
        started = time.monotonic()
        r = ctx["app"].test_client().post(f"/api/v1/devices/{device['id']}/resync",
                                          headers=ctx["headers"])
        assert time.monotonic() - started < 5
        assert r.status_code == 200, r.get_json()
        ok, messages = desk_waits.wait()
        soft_ok, soft_messages = soft_waits.wait()
    finally:
        desk_waits.stop()
        soft_waits.stop()
    assert [n["code"] for n in r.get_json()["notified"]] == [200]
    assert ok and "Event: check-sync\r\n" in messages.replace("\n", "\r\n").replace("\r\r", "\r")
    assert not soft_ok and "NOTIFY" not in soft_messages


def test_a_phone_behind_nat_gets_its_check_sync_at_its_source_address(ctx):
    device = _device(ctx, "snom", make_employee(ctx["tenant"]).id)
    creds = _fetch_credentials(ctx, device)
    phone = _phone(ctx, creds, _sip_ua(device), contact_host="192.168.1.50:5060")
    assert phone.register()
    [contact] = _registration(ctx, device["id"])["contacts"]
    assert contact["contact"].startswith(f"sip:{creds['user']}@192.168.1.50:5060")
    assert contact["behind_nat"] is True
    assert contact["source_address"] == f"127.0.0.1:{phone.port}"
    waits = phone.expect("uas_notify.xml", timeout=8)
    try:
        r = ctx["app"].test_client().post(f"/api/v1/devices/{device['id']}/resync",
                                          headers=ctx["headers"])
        ok, messages = waits.wait()
    finally:
        waits.stop()
    assert r.status_code == 200 and r.get_json()["notified"][0]["code"] == 200
    assert ok and "NOTIFY sip:" in messages and "@192.168.1.50:5060" in messages


def test_a_phone_registers_over_tls_with_the_services_certificate(ctx):
    device = _device(ctx, "snom", make_employee(ctx["tenant"]).id)
    creds = _fetch_credentials(ctx, device)
    ca = ctx["tmp"] / "instance" / "ca" / "ca.crt"
    with tls_hop(ctx["config"]["SIP_TLS_PORT"], ca) as hop:
        phone = _phone(ctx, creds, _sip_ua(device), transport="t1", target_port=hop)
        assert phone.register()
    [contact] = _registration(ctx, device["id"])["contacts"]
    assert contact["transport"] == "tls"


def test_another_tenants_device_registration_is_not_found(ctx):
    other = make_tenant()
    outsider = headers_for(make_account("superadmin", other))
    device = _device(ctx, "snom", make_employee(ctx["tenant"]).id)
    client = ctx["app"].test_client()
    assert client.get(f"/api/v1/devices/{device['id']}/registration",
                      headers=outsider).status_code == 404
    assert client.post(f"/api/v1/devices/{device['id']}/resync",
                       headers=outsider).status_code == 404
