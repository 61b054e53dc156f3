"""nginx in front of the web server, as serve and demo-run configure it: TLS for the phones with
our CA, client certificates handed on, forwarded headers set by nginx alone, /p/ only.

The application behind it here is an echo server (it answers with what it received), so these
tests check nginx's side of the contract; test_https_phones.py checks the phone routes behind it.
"""

from __future__ import annotations

import datetime as dt
import signal
import ssl
import time
import urllib.parse

import pytest
from flask import Flask

from cert import testing, verify_device_certificate
from cert.ca import load_ca
from cert.server import ensure_server_certificate
from provisioning.config import build_config
from provisioning.instance import ca_dir, create_secrets
from provisioning.tls import nginx
from provisioning.tls.certificates import TlsSetupError
from provisioning.tls.jobs import renew_phone_certificate
from tests.integration.demo import free_port
from tests.integration.https_harness import (
    SNOM_UA,
    EchoServer,
    NginxFront,
    PhoneClient,
    nginx_over,
    plain_get,
)

pytestmark = pytest.mark.slow

SNOM_MAC = "000413a1b2c3"
FORGED = {
    "X-Forwarded-For": "203.0.113.9",
    "X-Forwarded-Proto": "http",
    "X-Forwarded-Host": "evil.example",
    "Forwarded": "for=203.0.113.9",
    "X-SSL-Client-Cert": testing.snom_device_certificate(testing.snom_ca(), SNOM_MAC).escaped,
    "X-SSL-Client-Verify": "SUCCESS",
}


@pytest.fixture
def instance(tmp_path):
    path = tmp_path / "instance"
    create_secrets(path)
    return path


@pytest.fixture
def echo():
    server = EchoServer().start()
    yield server
    server.stop()


def phone(front: NginxFront, **options) -> PhoneClient:
    return PhoneClient(front.ca_file, front.https_port, user_agent=SNOM_UA, **options)


def test_a_phone_reaches_the_application_over_tls_trusting_only_our_ca(instance, echo):
    with nginx_over(echo.port, instance) as front:
        answer = phone(front).get("/p/secret/snomD785.htm")
        by_address = phone(front, host="127.0.0.1").get("/p/secret/snomD785.htm")
    assert answer.status == 200 and by_address.status == 200
    seen = answer.json()
    assert seen["PATH_INFO"] == "/p/secret/snomD785.htm"
    assert seen["HTTP_USER_AGENT"] == SNOM_UA
    assert seen["HTTP_X_FORWARDED_PROTO"] == "https"
    assert seen["HTTP_X_FORWARDED_FOR"] == "127.0.0.1"
    # nginx connects from its own address: the only one the application trusts
    assert seen["REMOTE_ADDR"] == "127.0.0.2"
    assert front.app_env["PROVISIONING_TRUSTED_PROXIES"] == '["127.0.0.2/32"]'
    assert front.app_env["PROVISIONING_PHONE_BASE_URL"] == f'"https://localhost:{front.https_port}"'
    assert seen["HTTP_X_SSL_CLIENT_VERIFY"] == "NONE"
    assert "HTTP_X_SSL_CLIENT_CERT" not in seen


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
def test_tls_1_2_and_1_3_both_work(instance, echo, version):
    with nginx_over(echo.port, instance) as front:
        assert phone(front, tls_version=version).get("/p/s/x").status == 200


def test_a_client_that_does_not_trust_our_ca_is_refused(instance, echo, tmp_path):
    other = testing.make_ca("Somebody Else").write(tmp_path / "other.pem")
    with nginx_over(echo.port, instance) as front, pytest.raises(ssl.SSLCertVerificationError):
        PhoneClient(other, front.https_port, user_agent=SNOM_UA).get("/p/s/x")


def test_headers_a_client_forges_are_replaced_or_removed(instance, echo):
    with nginx_over(echo.port, instance) as front:
        seen = phone(front).get("/p/s/x", headers=FORGED).json()
    assert seen["HTTP_X_FORWARDED_FOR"] == "127.0.0.1"
    assert seen["HTTP_X_FORWARDED_PROTO"] == "https"
    assert seen["HTTP_X_SSL_CLIENT_VERIFY"] == "NONE"
    for name in ("HTTP_X_SSL_CLIENT_CERT", "HTTP_X_FORWARDED_HOST", "HTTP_FORWARDED"):
        assert name not in seen


def test_a_phones_factory_certificate_reaches_the_application_intact(instance, echo, tmp_path):
    snom = testing.snom_ca()
    device = testing.snom_device_certificate(snom, SNOM_MAC)
    bundle = snom.write(tmp_path / "snom.pem")
    with nginx_over(echo.port, instance, phone_client_ca_files=[str(bundle)]) as front:
        seen = phone(front, client_cert=device.write(tmp_path)).get(
            "/p/s/x", headers={"X-SSL-Client-Cert": "forged"}).json()
    header = seen["HTTP_X_SSL_CLIENT_CERT"]
    assert urllib.parse.unquote(header).encode() == device.pem
    assert seen["HTTP_X_SSL_CLIENT_VERIFY"] == "SUCCESS"
    assert verify_device_certificate(header, [snom.certificate], SNOM_MAC).ok
    assert not verify_device_certificate(header, [snom.certificate], "000413ffffff").ok


def test_without_a_vendor_bundle_a_certificate_is_still_asked_for_and_passed_on(
        instance, echo, tmp_path):
    root, issuing = testing.yealink_cas()
    device = testing.yealink_device_certificate(issuing, "805ec0a1b2c3")
    with nginx_over(echo.port, instance) as front:
        seen = phone(front, client_cert=device.write(tmp_path)).get("/p/s/x").json()
    assert urllib.parse.unquote(seen["HTTP_X_SSL_CLIENT_CERT"]).encode() == device.pem
    # nginx cannot vouch for it; the application checks it against the vendor CAs itself
    assert seen["HTTP_X_SSL_CLIENT_VERIFY"].startswith("FAILED")


def test_only_the_phone_paths_reach_the_application(instance, echo):
    with nginx_over(echo.port, instance) as front:
        statuses = {path: phone(front).get(path).status
                    for path in ("/", "/api/v1/tenants", "/healthz", "/pp/x", "/p",
                                 "/p/%2e%2e/api/v1/tenants", "/p/x/../../healthz")}
    assert set(statuses.values()) == {404}
    assert echo.requests == []


def test_the_plain_http_listener_if_enabled_says_so_and_carries_no_certificate(instance, echo):
    http_port = free_port()
    with nginx_over(echo.port, instance, phone_http_port=http_port):
        seen = plain_get(http_port, "/p/s/x", FORGED).json()
    assert seen["HTTP_X_FORWARDED_PROTO"] == "http"
    assert seen["HTTP_X_FORWARDED_FOR"] == "127.0.0.1"
    assert "HTTP_X_SSL_CLIENT_CERT" not in seen and "HTTP_X_SSL_CLIENT_VERIFY" not in seen


def test_nothing_nginx_writes_names_the_tenant_secret(instance, echo):
    secret = "S3cr3tPathSegment"
    with nginx_over(echo.port, instance) as front:
        assert phone(front).get(f"/p/{secret}/snomD785.htm").status == 200
        echo.stop()  # the upstream is gone: nginx logs the failure
        assert phone(front).get(f"/p/{secret}/snomD785.htm").status == 502
    for path in front.run_dir.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_an_operator_certificate_is_served_instead_of_ours(instance, echo, tmp_path):
    chain, key, root = testing.public_server_chain(["phones.example.net"])
    (tmp_path / "chain.pem").write_bytes(chain)
    (tmp_path / "key.pem").write_bytes(key)
    root_file = root.write(tmp_path / "root.pem")
    with nginx_over(echo.port, instance, phone_tls_hostnames=["phones.example.net"],
                    phone_tls_cert_file=str(tmp_path / "chain.pem"),
                    phone_tls_key_file=str(tmp_path / "key.pem")) as front:
        answer = PhoneClient(root_file, front.https_port, user_agent=SNOM_UA,
                             host="phones.example.net").get("/p/s/x")
    assert answer.status == 200
    assert front.app_env["PROVISIONING_PHONE_BASE_URL"] == (
        f'"https://phones.example.net:{front.https_port}"')


def test_an_operator_certificate_for_another_host_stops_the_start_with_the_reason(
        instance, tmp_path):
    chain, key, _root = testing.public_server_chain(["other.example.net"])
    (tmp_path / "chain.pem").write_bytes(chain)
    (tmp_path / "key.pem").write_bytes(key)
    front = NginxFront(instance, 1, phone_tls_hostnames=["phones.example.net"],
                       phone_tls_cert_file=str(tmp_path / "chain.pem"),
                       phone_tls_key_file=str(tmp_path / "key.pem"))
    with pytest.raises(TlsSetupError, match="name_not_covered"):
        front.prepare()


def test_a_missing_vendor_bundle_stops_the_start(instance):
    front = NginxFront(instance, 1, phone_client_ca_files=["/nonexistent/snom.pem"])
    with pytest.raises(TlsSetupError, match="/nonexistent/snom.pem"):
        front.prepare()


def expiring_certificate(instance) -> None:
    """Our certificate as the daily job finds it some day: ten days before it expires."""
    (instance / "tls" / "server.crt").unlink(missing_ok=True)
    ensure_server_certificate(load_ca(ca_dir(instance)), instance / "tls", ["localhost"],
                              ["127.0.0.1"], now=dt.datetime.now(dt.UTC) - dt.timedelta(days=80))


def run_renewal_job(instance) -> None:
    app = Flask("job", instance_path=str(instance))
    app.config.update(build_config())
    with app.app_context():
        renew_phone_certificate({})


def days_left(answer) -> float:
    expires = ssl.cert_time_to_seconds(answer.peer_certificate["notAfter"])
    return (expires - dt.datetime.now(dt.UTC).timestamp()) / 86400


def eventually(check, timeout: float = 10) -> bool:
    """After SIGHUP the master starts new workers with the new files: give it a moment."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_the_renewal_job_replaces_an_expiring_certificate_and_nginx_serves_the_new_one(
        instance, echo):
    with nginx_over(echo.port, instance) as front:
        expiring_certificate(instance)
        assert nginx.reload(front.run_dir)
        assert eventually(lambda: days_left(phone(front).get("/p/s/x")) < 11)
        run_renewal_job(instance)
        assert eventually(lambda: days_left(phone(front).get("/p/s/x")) > 80)


def test_the_renewal_job_without_nginx_running_only_renews(instance):
    expiring_certificate(instance)
    run_renewal_job(instance)
    again = ensure_server_certificate(load_ca(ca_dir(instance)), instance / "tls", ["localhost"],
                                      ["127.0.0.1"])
    assert not again.changed
    assert nginx.master_pid(instance / "run") is None


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGQUIT])
def test_nginx_stops_cleanly_and_leaves_no_pid_file(instance, echo, sig):
    front = NginxFront(instance, echo.port).start()
    assert nginx.master_pid(front.run_dir) == front.proc.pid
    assert front.stop(sig) == 0
    assert not (front.run_dir / "nginx.pid").exists()
