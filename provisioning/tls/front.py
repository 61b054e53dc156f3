"""What ``provisioning serve`` and ``demo-run`` do before the supervisor starts nginx.

``prepare_phone_front`` leaves the certificate, the vendor CA bundle and a checked nginx
configuration in the instance folder, and says which settings the web server's processes need
so that they trust nginx (and nobody else) and write the phones' HTTPS URL into their files.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from provisioning.supervisor import ProcessSpec
from provisioning.tls import certificates, nginx

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class PhoneFront:
    spec: ProcessSpec  # nginx, for the supervisor
    env: dict[str, str]  # PROVISIONING_* settings for the web server and the worker
    phone_base_url: str
    config_file: Path


def upstream_address(web_host: str, web_port: int) -> str:
    """Where nginx reaches the web server: its own address, or loopback when it listens on all."""
    host = web_host.strip("[]")
    if host in ("", "0.0.0.0", "::", "localhost"):  # noqa: S104 - compared, not bound
        host = "127.0.0.1"
    try:
        if ipaddress.ip_address(host).version == 6:
            raise nginx.NginxError(
                f"the web server listens on {web_host}: nginx reaches it from an IPv4 loopback"
                " address, so let it listen on 127.0.0.1 (or 0.0.0.0)")
    except ValueError:
        pass  # a host name
    return f"{host}:{int(web_port)}"


def phone_base_url(config: Mapping[str, Any]) -> str:
    """https://<first host name, else first address>[:port], the URL written into phone files."""
    names = list(config.get("PHONE_TLS_HOSTNAMES") or []) + list(
        config.get("PHONE_TLS_ADDRESSES") or [])
    if not names:
        raise certificates.TlsSetupError("PHONE_TLS_HOSTNAMES and PHONE_TLS_ADDRESSES are empty")
    host = names[0]
    try:
        if ipaddress.ip_address(host).version == 6:
            host = f"[{host}]"
    except ValueError:
        pass
    port = int(config["PHONE_HTTPS_PORT"])
    return f"https://{host}" + ("" if port == 443 else f":{port}")


def trusted_proxies(config: Mapping[str, Any]) -> list[str]:
    source = ipaddress.ip_address(config["PHONE_PROXY_SOURCE_ADDRESS"])
    own = f"{source}/{source.max_prefixlen}"
    configured = [str(c) for c in config.get("TRUSTED_PROXIES") or []]
    return configured + ([own] if own not in configured else [])


def prepare_phone_front(
    instance_path: str | Path, config: Mapping[str, Any], web_host: str, web_port: int
) -> PhoneFront:
    """Certificate, CA bundle, nginx configuration checked with ``nginx -t``; raises
    ``TlsSetupError`` or ``NginxError`` with a message for the operator."""
    server_cert = certificates.ensure_phone_certificate(instance_path, config)
    if server_cert.expires_soon:
        log.warning("the operator certificate for the phones expires %s: replace it",
                    server_cert.not_valid_after.date())
    run = certificates.run_dir(instance_path)
    client_cas = certificates.write_client_ca_bundle(
        instance_path, list(config.get("PHONE_CLIENT_CA_FILES") or []))
    listeners = [nginx.Listener(
        nginx.listen_address(config["PHONE_HTTPS_HOST"], config["PHONE_HTTPS_PORT"]), tls=True)]
    if config.get("PHONE_HTTP_PORT"):
        listeners.append(nginx.Listener(
            nginx.listen_address(config["PHONE_HTTPS_HOST"], config["PHONE_HTTP_PORT"]),
            tls=False))
    nginx_config = nginx.NginxConfig(
        run_dir=run.resolve(),
        listeners=tuple(listeners),
        upstream=upstream_address(web_host, web_port),
        proxy_source=str(config["PHONE_PROXY_SOURCE_ADDRESS"]),
        cert_file=server_cert.cert_path.resolve(),
        key_file=server_cert.key_path.resolve(),
        client_ca_file=client_cas.resolve() if client_cas else None,
        workers=config.get("NGINX_WORKERS") or "auto",
    )
    binary = nginx.nginx_binary(config.get("NGINX_BINARY") or "nginx")
    config_file = nginx.write_config(nginx_config)
    nginx.check_config(binary, config_file)
    base_url = config.get("PHONE_BASE_URL") or phone_base_url(config)
    env = {
        "PROVISIONING_TRUSTED_PROXIES": json.dumps(trusted_proxies(config)),
        "PROVISIONING_PHONE_BASE_URL": json.dumps(base_url),
    }
    return PhoneFront(nginx.nginx_spec(binary, config_file), env, base_url, config_file)
