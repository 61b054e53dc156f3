"""The nginx configuration the service writes for the phones, read as an operator would."""

from __future__ import annotations

from pathlib import Path

import pytest

from provisioning.config import build_config
from provisioning.tls import front, nginx


def config_for(tmp_path: Path, **changes) -> nginx.NginxConfig:
    values = {
        "run_dir": tmp_path / "run",
        "listeners": (nginx.Listener("127.0.0.1:8443", tls=True),),
        "upstream": "127.0.0.1:8080",
        "proxy_source": "127.0.0.2",
        "cert_file": tmp_path / "tls" / "server.crt",
        "key_file": tmp_path / "tls" / "server.key",
    }
    values.update(changes)
    return nginx.NginxConfig(**values)


def test_the_phones_port_asks_for_a_certificate_and_passes_only_p(tmp_path):
    text = nginx.render_config(config_for(tmp_path))
    assert "daemon off;" in text
    assert "listen 127.0.0.1:8443 ssl default_server;" in text
    assert "ssl_verify_client optional_no_ca;" in text
    assert "ssl_client_certificate" not in text
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in text
    assert "location /p/ {" in text and "return 404;" in text
    assert "proxy_set_header X-SSL-Client-Cert $ssl_client_escaped_cert;" in text
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in text
    assert "proxy_bind 127.0.0.2;" in text
    assert "access_log off;" in text and "$request_uri" not in text


def test_every_file_nginx_writes_is_in_the_run_folder(tmp_path):
    text = nginx.render_config(config_for(tmp_path))
    run = str(tmp_path / "run")
    for directive in ("pid", "error_log", "client_body_temp_path", "proxy_temp_path"):
        line = next(ln for ln in text.splitlines() if ln.strip().startswith(directive + " "))
        assert run in line, line


def test_a_vendor_bundle_is_named_for_the_handshake(tmp_path):
    text = nginx.render_config(config_for(tmp_path, client_ca_file=tmp_path / "cas.pem"))
    assert f"ssl_client_certificate {tmp_path / 'cas.pem'};" in text


def test_the_plain_listener_says_http_and_passes_no_certificate(tmp_path):
    listeners = (nginx.Listener("127.0.0.1:8443", tls=True),
                 nginx.Listener("127.0.0.1:8081", tls=False))
    text = nginx.render_config(config_for(tmp_path, listeners=listeners))
    plain = text[text.index("listen 127.0.0.1:8081"):]
    assert "ssl" not in plain.split("location", 1)[0].replace("X-SSL", "")
    assert "proxy_set_header X-Forwarded-Proto http;" in plain
    assert 'proxy_set_header X-SSL-Client-Cert "";' in plain


def test_a_path_that_would_break_the_file_is_refused(tmp_path):
    with pytest.raises(nginx.NginxError):
        nginx.render_config(config_for(tmp_path, run_dir=tmp_path / "my run; evil"))


@pytest.mark.parametrize(("host", "port", "expected"), [
    ("127.0.0.1", 8443, "127.0.0.1:8443"), ("::1", 8443, "[::1]:8443"),
    ("0.0.0.0", 443, "0.0.0.0:443"),  # noqa: S104 - a string, not a bind
])
def test_listen_addresses(host, port, expected):
    assert nginx.listen_address(host, port) == expected


def test_the_phones_url_is_the_first_name_and_the_port():
    config = build_config({"PHONE_HTTPS_PORT": 8443})
    assert front.phone_base_url(config) == "https://localhost:8443"
    config.update(PHONE_TLS_HOSTNAMES=[], PHONE_TLS_ADDRESSES=["2001:db8::5"], PHONE_HTTPS_PORT=443)
    assert front.phone_base_url(config) == "https://[2001:db8::5]"


def test_only_nginx_address_is_added_to_the_trusted_proxies():
    config = build_config({"TRUSTED_PROXIES": ["10.0.0.0/8"]})
    assert front.trusted_proxies(config) == ["10.0.0.0/8", "127.0.0.2/32"]


def test_nginx_reaches_a_web_server_on_all_addresses_through_loopback():
    assert front.upstream_address("0.0.0.0", 8080) == "127.0.0.1:8080"  # noqa: S104
    with pytest.raises(nginx.NginxError):
        front.upstream_address("::1", 8080)
