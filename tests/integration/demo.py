"""Start the demo exactly as `make run` does (demo-run), on a free port and a private instance."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from provisioning import REPO_ROOT

BIN = REPO_ROOT / ".venv" / "bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Demo:
    """The demo service as a child process group; stopped (and waited for) on exit."""

    def __init__(self, instance: Path, port: int | None = None, env: dict | None = None,
                 https_port: int | None = None) -> None:
        self.instance = instance
        self.port = port or free_port()
        self.https_port = https_port or free_port()  # nginx, TLS for the phones
        self.tftp_port = free_udp_port()  # the demo's TFTP server (README: TFTP)
        self.sip_port = free_udp_port()  # Kamailio (README: SIP core): UDP and TCP
        self.sip_tls_port, self.sip_rpc_port = free_port(), free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "PROVISIONING_ENV": "development",
            "PROVISIONING_INSTANCE": str(instance),
            "PROVISIONING_URL": self.base_url,
            "PROVISIONING_PHONE_HTTPS_PORT": str(self.https_port),
            "PROVISIONING_TFTP_PORT": str(self.tftp_port),
            "PROVISIONING_SIP_PORT": str(self.sip_port),
            "PROVISIONING_SIP_REGISTRAR_PORT": str(self.sip_port),
            "PROVISIONING_SIP_TLS_PORT": str(self.sip_tls_port),
            "PROVISIONING_KAMAILIO_RPC_PORT": str(self.sip_rpc_port),
            "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
            **(env or {}),
        }
        self.env.pop("DATABASE_URL", None)
        self.proc: subprocess.Popen | None = None
        self.log = instance.parent / f"demo-{self.port}.log"

    def start(self, timeout: float = 90) -> Demo:
        self.instance.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as logfile:  # the child keeps its own descriptor
            self.proc = subprocess.Popen(
                [str(BIN / "provisioning"), "demo-run", "--host", "127.0.0.1",
                 "--port", str(self.port), "--workers", "2"],
                cwd=REPO_ROOT, env=self.env, stdout=logfile, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"demo exited early:\n{self.log.read_text()[-4000:]}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/readyz", timeout=2) as r:
                    if r.status == 200:
                        socket.create_connection(("127.0.0.1", self.https_port), 2).close()
                        return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise TimeoutError(f"demo not ready in {timeout}s:\n{self.log.read_text()[-4000:]}")

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(30)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def __enter__(self) -> Demo:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
