"""Every default in one mapping.

Secrets have no default: they are read from the instance folder (see ``instance.py``), and a start
without them fails with a message that says how to create them.
Any key can be overridden by an environment variable ``PROVISIONING_<KEY>`` (JSON-decoded when it
parses as JSON) or by the mapping a test passes to ``create_app``.
"""

from __future__ import annotations

import json
import os
from typing import Any

DEFAULTS: dict[str, Any] = {
    # Database: SQLite in the instance folder unless DATABASE_URL says otherwise.
    "SQLALCHEMY_DATABASE_URI": None,
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SQLITE_BUSY_TIMEOUT_MS": 5000,
    # production refuses to start without the instance secrets; "development" creates them.
    "ENV": "production",
    # Base URL the service is reached at (never taken from the Host header).
    "PUBLIC_BASE_URL": "http://127.0.0.1:8080",
    # API
    "API_TITLE": "provisioning",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "PAGE_SIZE_DEFAULT": 50,
    "PAGE_SIZE_MAX": 500,
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    # Tokens
    "TOKEN_TTL_SECONDS": 12 * 3600,
    # The web portal (/portal): its session cookie is Secure when PUBLIC_BASE_URL is https
    # (None), or as set here; a password-reset link works once, for this long.
    "PORTAL_COOKIE_SECURE": None,
    "PASSWORD_RESET_TTL_SECONDS": 3600,
    # Mail (password-reset links): no SMTP_HOST, no mail. SMTP_TLS is "starttls", "tls"
    # (implicit, usually port 465) or "none" (loopback relays only); SMTP_PASSWORD is best given
    # as the environment variable PROVISIONING_SMTP_PASSWORD.
    "SMTP_HOST": None,
    "SMTP_PORT": 587,
    "SMTP_TLS": "starttls",
    "SMTP_USERNAME": None,
    "SMTP_PASSWORD": None,
    "SMTP_SENDER": "provisioning@localhost",
    "SMTP_TIMEOUT_SECONDS": 10,
    # Password policy: the platform's floor; tenants may only raise it.
    "PASSWORD_MIN_STRENGTH_DEFAULT": 2,
    "PASSWORD_MIN_LENGTH": 10,
    "PASSWORD_EXPIRY_WARNING_DAYS": 7,
    # Failed logins, counted in the database so that every worker and instance shares the count.
    # After LOGIN_SLOWDOWN_AFTER failures within the window, each further attempt must wait
    # 2**(n - LOGIN_SLOWDOWN_AFTER) seconds (429); after LOGIN_LOCK_AFTER failures, refused for
    # LOGIN_LOCK_SECONDS.
    "LOGIN_FAILURE_WINDOW_SECONDS": 900,
    "LOGIN_SLOWDOWN_AFTER": 3,
    "LOGIN_LOCK_AFTER": 10,
    "LOGIN_LOCK_SECONDS": 900,
    # Proxies whose X-Forwarded-* headers are trusted (CIDRs); nobody by default.
    "TRUSTED_PROXIES": [],
    # SIP
    "SIP_PASSWORD_LENGTH": 24,
    # Where phones reach the bundled SIP core (written into their files) and the pickup code
    # for BLF keys (None: the core routes no pickup, so none is written).
    "SIP_REGISTRAR_HOST": "127.0.0.1",
    "SIP_REGISTRAR_PORT": 5060,
    "SIP_TRANSPORT": "udp",
    "BLF_PICKUP_CODE": None,
    # The bundled SIP core (pbx/, README "SIP core"): "kamailio", or "none" when phones register
    # elsewhere (then no subscribers are written, no status is read). It listens for SIP on
    # SIP_LISTEN_HOST (UDP and TCP on SIP_PORT, TLS on SIP_TLS_PORT with a certificate from our
    # CA; None: no TLS); SIP_ADVERTISED_ADDRESS is its public address when behind NAT.
    "SIP_CORE": "kamailio",
    "SIP_LISTEN_HOST": "127.0.0.1",
    "SIP_PORT": 5060,
    "SIP_TLS_PORT": 5061,
    "SIP_ADVERTISED_ADDRESS": None,
    # Keep-alive OPTIONS to phones behind NAT; a source sending more than SIP_PIKE_REQUESTS
    # requests in 2 s is dropped for SIP_BAN_SECONDS (scanners).
    "SIP_NATPING_SECONDS": 30,
    "SIP_PIKE_REQUESTS": 30,
    "SIP_BAN_SECONDS": 300,
    # Phones whose configuration changed get a check-sync NOTIFY this long after the change,
    # SIP_RESYNC_BATCH devices every SIP_RESYNC_SPACING_SECONDS (no boot storm after a bulk
    # change).
    "SIP_RESYNC_DELAY_SECONDS": 5,
    "SIP_RESYNC_BATCH": 20,
    "SIP_RESYNC_SPACING_SECONDS": 10,
    # Kamailio: JSON-RPC on loopback (every call bounded by the timeout), shared memory for the
    # fleet's registrations and dialogs, its own database (None: beside the service's, see
    # pbx/kamailio/schema.py).
    "KAMAILIO_BINARY": "kamailio",
    "KAMAILIO_RPC_PORT": 5080,
    "KAMAILIO_RPC_TIMEOUT_SECONDS": 2.0,
    "KAMAILIO_SHM_MB": 64,
    "KAMAILIO_PKG_MB": 8,
    "KAMAILIO_CHILDREN": 4,
    "KAMAILIO_DB_URL": None,
    # Phone-facing base URL (the TLS front's); PUBLIC_BASE_URL when unset.
    "PHONE_BASE_URL": None,
    # The phones' TLS front (nginx, provisioning/tls): where it listens (loopback unless set),
    # an optional plain-HTTP listener for LANs that allow HTTP, the names and addresses our
    # server certificate carries, or an operator's public-CA chain and key (PEM files) instead,
    # and the vendors' factory CA bundles (PEM files) offered to phones for mutual TLS.
    "PHONE_HTTPS_HOST": "127.0.0.1",
    "PHONE_HTTPS_PORT": 8443,
    "PHONE_HTTP_PORT": None,
    "PHONE_TLS_HOSTNAMES": ["localhost"],
    "PHONE_TLS_ADDRESSES": ["127.0.0.1"],
    "PHONE_TLS_CERT_FILE": None,
    "PHONE_TLS_KEY_FILE": None,
    "PHONE_CLIENT_CA_FILES": [],
    # nginx connects to the web server from this loopback address, and only it is added to
    # TRUSTED_PROXIES: another local client (on 127.0.0.1) cannot pass as the proxy.
    "PHONE_PROXY_SOURCE_ADDRESS": "127.0.0.2",
    "NGINX_BINARY": "nginx",
    "NGINX_WORKERS": 2,
    # Device certificates are checked with RFC 5280 path validation (SHA-2, RSA >= 2048);
    # false accepts the old factory certificates (SHA-1, RSA-1024) by a direct signature check.
    "PHONE_CERT_STRICT": True,
    # How long a worker keeps the tenants' URL secrets in memory before re-reading the store.
    "PHONE_TENANT_CACHE_SECONDS": 5,
    # MAC scans: distinct unknown MACs asked from one address within SCAN_WINDOW_SECONDS;
    # beyond SCAN_SLOWDOWN_AFTER unknown MACs get 429, beyond SCAN_BLOCK_AFTER every request
    # from the address gets 403 for SCAN_BLOCK_SECONDS (counted in the database: all workers).
    "SCAN_WINDOW_SECONDS": 600,
    "SCAN_SLOWDOWN_AFTER": 20,
    "SCAN_BLOCK_AFTER": 60,
    "SCAN_BLOCK_SECONDS": 900,
    # Unknown phones listed per tenant for adoption; beyond this they are only logged.
    "UNRECOGNISED_MAX_PER_TENANT": 500,
    # Phones' fetches are buffered per worker and written together every FETCH_FLUSH_SECONDS;
    # a device's last-seen row at most every LAST_SEEN_THROTTLE_SECONDS (unless its fetched
    # version changed); DEVICE_HISTORY_KEPT newest history rows are kept per device.
    "FETCH_FLUSH_SECONDS": 2,
    "LAST_SEEN_THROTTLE_SECONDS": 60,
    "DEVICE_HISTORY_KEPT": 100,
    # TFTP (tftp/): an unprivileged port by default; 69 when configured and permitted. Open
    # transfers are capped in total (tftpy's loop must stay far below select()'s 1,024
    # descriptors) and per client address; a vanished client's transfer ends after TFTP_TIMEOUT
    # seconds times TFTP_RETRIES. Firmware images are served from TFTP_FIRMWARE_DIR only.
    "TFTP_HOST": "127.0.0.1",
    "TFTP_PORT": 6969,
    "TFTP_MAX_SESSIONS": 800,
    "TFTP_MAX_SESSIONS_PER_ADDR": 20,
    "TFTP_TIMEOUT": 2.0,
    "TFTP_RETRIES": 3,
    "TFTP_FIRMWARE_DIR": None,
    "TFTP_REFRESH_SECONDS": 1.0,
    # Discovery (provisioning/discovery, README "Discovery"): the LAN addresses of this host
    # that answer multicast SIP PnP and announce the instance over mDNS ("all": every
    # non-loopback IPv4 address; empty: discovery off for the instance). PnP answers come from
    # the holder of a network's lease in the shared database; a vanished holder is replaced
    # within PNP_LEASE_SECONDS. A source may send PNP_RATE_LIMIT requests per window; an
    # adoption window lasts at most PNP_ADOPTION_WINDOW_MAX_MINUTES.
    "DISCOVERY_INTERFACES": [],
    "PNP_GROUP": "224.0.1.75",
    "PNP_PORT": 5060,
    "PNP_LEASE_SECONDS": 30,
    "PNP_REFRESH_SECONDS": 2.0,
    "PNP_RATE_LIMIT": 10,
    "PNP_RATE_WINDOW_SECONDS": 60,
    "PNP_ADOPTION_WINDOW_MAX_MINUTES": 24 * 60,
    "MDNS_ENABLED": True,
    "MDNS_SERVICE_TYPE": "_provisioning._tcp.local.",
    # The render store (a SQLite file of its own); <instance>/render-store.sqlite when unset.
    "RENDER_STORE_PATH": None,
    "STORE_SYNC_SECONDS": 30,
    # Logging
    "LOG_LEVEL": "INFO",
    "LOG_JSON": False,
    # Jobs worker
    "WORKER_POLL_SECONDS": 2.0,
    "WORKER_LEASE_SECONDS": 60,
    "JOB_MAX_ATTEMPTS": 5,
    "JOB_RETRY_BASE_SECONDS": 30,
}


def _from_env(key: str) -> Any:
    raw = os.environ.get(f"PROVISIONING_{key}")
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def build_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Defaults, then environment, then the caller's overrides (tests)."""
    config = dict(DEFAULTS)
    for key in DEFAULTS:
        value = _from_env(key)
        if value is not None:
            config[key] = value
    if os.environ.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if overrides:
        config.update(overrides)
    return config
