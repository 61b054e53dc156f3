"""Everything Kamailio's configuration depends on, as plain data, and where its files live."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class KamailioSettings:
    directory: Path  # generated files: kamailio.cfg, tls.cfg
    run_dir: Path  # pid file, control sockets
    db_url: str  # SQLAlchemy URL of Kamailio's own database (sqlite:/// or postgresql://)
    sip_host: str = "127.0.0.1"
    sip_port: int = 5060
    tls_port: int | None = 5061
    tls_cert: Path | None = None  # chain (leaf first) and key, from cert/
    tls_key: Path | None = None
    advertised_address: str | None = None  # public address when Kamailio sits behind NAT
    rpc_port: int = 5080  # JSON-RPC over HTTP, always on loopback
    shm_mb: int = 64
    pkg_mb: int = 8
    children: int = 4
    tcp_children: int = 2
    natping_seconds: int = 30
    pike_requests: int = 30  # per 2 s from one address before it is blocked
    ban_seconds: int = 300
    max_expires: int = 3600
    fr_timer_ms: int = 5000
    binary: str = "kamailio"
    modules_dir: str | None = None  # Debian's folder for this architecture when None
    server_header: str = "provisioning-sipcore"

    @property
    def config_path(self) -> Path:
        return self.directory / "kamailio.cfg"

    @property
    def tls_config_path(self) -> Path:
        return self.directory / "tls.cfg"

    @property
    def pid_file(self) -> Path:
        return self.run_dir / "kamailio.pid"

    @property
    def backend(self) -> str:
        return "postgresql" if self.db_url.startswith("postgres") else "sqlite"

    @property
    def local_address(self) -> str:
        """Where Kamailio reaches itself (its own PUBLISHes) and RPC clients reach it."""
        return "127.0.0.1" if self.sip_host in ("0.0.0.0", "", "*") else self.sip_host  # noqa: S104

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.rpc_port}/RPC"

    @property
    def transports(self) -> tuple[str, ...]:
        return ("udp", "tcp", "tls") if self.tls_port else ("udp", "tcp")
