"""Phones provision themselves over real HTTPS on loopback: nginx (as serve configures it) in front
of gunicorn, on a committed database of their own, SQLite and PostgreSQL. The client is a phone:
its User-Agent, the instance's CA as its only trust anchor, a factory certificate when it has one.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from lxml import etree

from cert import testing
from provisioning.crypto import secret_box
from provisioning.devices.models import Device
from provisioning.extensions import db
from provisioning.instance import create_secrets
from provisioning.phones.configs import tenant_url_secret
from provisioning.tenants.models import Tenant
from tests.conftest import BACKENDS
from tests.factories import headers_for, make_account, make_tenant
from tests.factories_ops import committed_app, fresh_database
from tests.factories_people import make_employee
from tests.integration.demo import free_port
from tests.integration.https_harness import Gunicorn, NginxFront, PhoneClient, plain_get

pytestmark = pytest.mark.slow

SNOM_MAC, YEALINK_MAC, OTHER_SNOM_MAC = "000413a1b2c3", "805ec0a1b2c4", "000413ffeedd"
SNOM_UA = ("Mozilla/4.0 (compatible; snomD785-SIP 10.1.184.14 2010.12-00004-g9ba52f5 "
           "000413A1B2C3 SXM:0 UXM:0)")
YEALINK_UA = "Yealink SIP-T54W 96.86.0.70 80:5e:c0:a1:b2:c4"
SNOM_CA = testing.snom_ca()


class Stack:
    """A tenant with a snom and a Yealink phone, served by gunicorn behind nginx."""

    def __init__(self, app, web: Gunicorn, front: NginxFront, database_url: str) -> None:
        self.app, self.web, self.front, self.database_url = app, web, front, database_url
        with app.app_context():
            tenant = make_tenant()
            self.tenant_id = tenant.id
            self.secret = tenant_url_secret(tenant)
            self.admin = headers_for(make_account("superadmin", tenant))
            self.snom = self._phone(tenant, "snom", SNOM_MAC, "D785")
            self.yealink = self._phone(tenant, "yealink", YEALINK_MAC, "T54W")

    @staticmethod
    def _phone(tenant: Tenant, vendor: str, mac: str, model: str) -> dict:
        employee = make_employee(tenant)
        device = Device(tenant_id=tenant.id, vendor=vendor, mac=mac, model=model,
                        employee_id=employee.id)
        db.session.add(device)
        # Flushed first: the render-on-commit hook sees only what was flushed before commit().
        db.session.flush()
        db.session.commit()
        password = secret_box().decrypt(employee.sip_account.password_encrypted)
        return {"id": device.id, "password": password.encode()}

    def path(self, filename: str) -> str:
        return f"/p/{self.secret}/{filename}"

    def phone(self, user_agent: str, client_cert: tuple[Path, Path] | None = None) -> PhoneClient:
        return PhoneClient(self.front.ca_file, self.front.https_port, user_agent=user_agent,
                           client_cert=client_cert)

    def api(self, method: str, path: str, body: dict | None = None) -> dict:
        with self.app.test_client() as client:
            answer = client.open(f"/api/v1{path}", method=method, json=body, headers=self.admin,
                                 environ_base={"REMOTE_ADDR": "192.0.2.10"})
        assert answer.status_code < 300, answer.get_data(as_text=True)
        return answer.get_json()


@pytest.fixture(scope="module", params=BACKENDS)
def stack(request, tmp_path_factory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp(f"https-{request.param}")
    instance = tmp / "instance"
    create_secrets(instance)
    bundle = SNOM_CA.write(tmp / "snom-ca.pem")
    web_port = free_port()
    front = NginxFront(instance, web_port, phone_client_ca_files=[str(bundle)])
    env = {**front.app_env, "PROVISIONING_PHONE_CLIENT_CA_FILES": json.dumps([str(bundle)])}
    overrides = {key.removeprefix("PROVISIONING_"): json.loads(value)
                 for key, value in env.items()}
    with fresh_database(request.param, tmp) as url, committed_app(tmp, url, **overrides) as app:
        web = Gunicorn(instance, url, env, port=web_port).start()
        front.start()
        try:
            yield Stack(app, web, front, url)
        finally:
            front.stop()
            web.stop()


def test_a_snom_phone_gets_its_settings_with_its_account_over_https(stack):
    answer = stack.phone(SNOM_UA).get(stack.path("000413A1B2C3.xml"))
    assert answer.status == 200
    settings = etree.fromstring(answer.body)
    assert settings.findtext(".//user_pass").encode() == stack.snom["password"]
    first = stack.phone(SNOM_UA).get(stack.path("snomD785.xml"))
    assert first.status == 200 and stack.snom["password"] not in first.body
    etree.fromstring(first.body)


def test_a_yealink_phone_gets_its_cfg_with_its_account_over_https(stack):
    answer = stack.phone(YEALINK_UA).get(stack.path("805ec0a1b2c4.cfg"))
    assert answer.status == 200
    assert answer.body.startswith(b"#!version:1.0.0.1\n")
    assert stack.yealink["password"] in answer.body


def test_an_unchanged_file_is_a_304_over_https(stack):
    first = stack.phone(YEALINK_UA).get(stack.path("805ec0a1b2c4.cfg"))
    again = stack.phone(YEALINK_UA).get(stack.path("805ec0a1b2c4.cfg"),
                                        headers={"If-None-Match": first.headers["etag"]})
    assert (again.status, again.body) == (304, b"")


def test_an_unknown_phone_gets_no_credentials_and_is_listed_for_adoption(stack):
    user_agent = SNOM_UA.replace("000413A1B2C3", "000413C0FFEE")
    answer = stack.phone(user_agent).get(stack.path("000413C0FFEE.xml"))
    assert stack.snom["password"] not in answer.body and b"user_pass" not in answer.body
    deadline = time.monotonic() + 10  # fetches are written in batches (FETCH_FLUSH_SECONDS)
    while time.monotonic() < deadline:
        listed = {d["mac"] for d in stack.api("GET", "/unrecognised-devices")["items"]}
        if "000413c0ffee" in listed:
            break
        time.sleep(0.3)
    assert "000413c0ffee" in listed


@contextlib.contextmanager
def mtls_required(stack: Stack) -> Iterator[None]:
    stack.api("PATCH", f"/devices/{stack.snom['id']}", {"require_mtls": True})
    try:
        yield
    finally:
        stack.api("PATCH", f"/devices/{stack.snom['id']}", {"require_mtls": False})


def test_with_mtls_required_only_the_phones_own_certificate_gets_its_account(stack, tmp_path):
    own = testing.snom_device_certificate(SNOM_CA, SNOM_MAC).write(tmp_path, "own")
    other = testing.snom_device_certificate(SNOM_CA, OTHER_SNOM_MAC).write(tmp_path, "other")
    path = stack.path("000413A1B2C3.xml")
    with mtls_required(stack):
        with_own = stack.phone(SNOM_UA, client_cert=own).get(path)
        with_other = stack.phone(SNOM_UA, client_cert=other).get(path)
        without = stack.phone(SNOM_UA).get(path)
    assert with_own.status == 200 and stack.snom["password"] in with_own.body
    for answer in (with_other, without):
        assert stack.snom["password"] not in answer.body
        assert answer.status == 200, "the phone still gets a file that keeps it asking"
        etree.fromstring(answer.body)


def test_forged_proxy_headers_sent_straight_to_gunicorn_change_no_byte(stack):
    path = stack.path("000413A1B2C3.xml")
    plain = plain_get(stack.web.port, path, {"User-Agent": SNOM_UA})
    forged = plain_get(stack.web.port, path, {
        "User-Agent": SNOM_UA, "Host": "evil.example",
        "X-Forwarded-For": "127.0.0.1", "X-Forwarded-Proto": "https",
        "X-SSL-Client-Cert": testing.snom_device_certificate(SNOM_CA, SNOM_MAC).escaped,
        "X-SSL-Client-Verify": "SUCCESS"})
    assert stack.snom["password"] not in forged.body
    assert (forged.status, forged.body) == (plain.status, plain.body)
    assert b"evil.example" not in forged.body


@contextlib.contextmanager
def database_stopped(stack: Stack) -> Iterator[None]:
    """The service's database refuses every connection; gunicorn is restarted so that no
    connection it pooled before survives (a SQLite file stays readable while it is open)."""
    with stack.app.app_context():
        db.engine.dispose()
    url = sa.make_url(stack.database_url)
    stack.web.stop()
    if url.get_backend_name() == "sqlite":
        path = Path(url.database)
        moved = path.with_name(path.name + ".away")
        os.replace(path, moved)
        path.mkdir()  # a directory where the file was: "unable to open database file"
        try:
            stack.web.start()
            yield
        finally:
            stack.web.stop()
            path.rmdir()
            os.replace(moved, path)
            stack.web.start()
        return
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = url.database
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            conn.exec_driver_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
        stack.web.start()
        yield
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        admin.dispose()
        stack.web.restart()


def test_with_the_database_stopped_a_new_device_is_still_served_its_whole_file(stack):
    employee = stack.api("POST", "/employees", {"display_name": "Dora Weiss",
                                                "personal_number": _free_number(stack)})
    device = stack.api("POST", "/devices", {"mac": "00:04:13:0a:0b:0c", "vendor": "snom",
                                            "model": "D385", "employee_id": employee["id"]})
    preview = _file_as_served(stack, device["id"], "0004130A0B0C.xml")
    user_agent = SNOM_UA.replace("D785", "D385").replace("000413A1B2C3", "0004130A0B0C")
    with database_stopped(stack):
        assert plain_get(stack.web.port, "/readyz", {}).status == 503, "the database answers"
        answer = stack.phone(user_agent).get(stack.path("0004130A0B0C.xml"))
    assert answer.status == 200
    assert answer.body == preview
    assert etree.fromstring(answer.body).findtext(".//user_pass")


def _free_number(stack: Stack) -> str:
    with stack.app.app_context():
        from tests.factories_people import make_number

        return make_number(db.session.get(Tenant, stack.tenant_id)).e164


def _file_as_served(stack: Stack, device_id: int, filename: str) -> bytes:
    with stack.app.test_client() as client:
        answer = client.get(f"/api/v1/devices/{device_id}/files/{filename}?reveal=true",
                            headers=stack.admin, environ_base={"REMOTE_ADDR": "192.0.2.10"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.data
