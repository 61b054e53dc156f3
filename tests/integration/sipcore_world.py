"""The bundled SIP core as the tests run it: ``provisioning sip run`` (the supervisor with
Kamailio) on a committed database and a private instance, sipp playing the phones, and a TLS
hop for sipp (Debian's sipp is built without TLS).

All on loopback, on free ports; every process is bounded in time and stopped by its own id.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from pbx.core import CoreUnavailable
from pbx.kamailio.rpc import RpcClient
from provisioning import REPO_ROOT

BIN = REPO_ROOT / ".venv" / "bin"
SIPP_DIR = Path(__file__).resolve().parent / "sipp"
SNOM_SIP_UA = "snomD785/10.1.184.15 {mac}"
YEALINK_SIP_UA = "Yealink SIP-T54W 96.86.0.100 {mac_colons}"


def free_port(kinds: tuple[int, ...] = (socket.SOCK_STREAM, socket.SOCK_DGRAM)) -> int:
    """A port free for every kind at once (SIP listens on UDP and TCP with one number)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, kinds[0]) as first:
            first.bind(("127.0.0.1", 0))
            port = first.getsockname()[1]
            try:
                for kind in kinds[1:]:
                    with socket.socket(socket.AF_INET, kind) as other:
                        other.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


def core_config(**overrides: Any) -> dict[str, Any]:
    """Configuration for a test instance whose SIP core runs on free ports."""
    sip_port = free_port()
    config = {
        "SIP_CORE": "kamailio",
        "SIP_LISTEN_HOST": "127.0.0.1",
        "SIP_PORT": sip_port,
        "SIP_REGISTRAR_PORT": sip_port,
        "SIP_TLS_PORT": free_port((socket.SOCK_STREAM,)),
        "KAMAILIO_RPC_PORT": free_port((socket.SOCK_STREAM,)),
        "KAMAILIO_SHM_MB": 32,
        "KAMAILIO_CHILDREN": 2,
        "SIP_RESYNC_DELAY_SECONDS": 0,
        "SIP_RESYNC_SPACING_SECONDS": 0,
        "SIP_NATPING_SECONDS": 30,
    }
    config.update(overrides)
    return config


class SipCoreProcess:
    """``provisioning sip run`` on the test's instance and database, in its own process group."""

    def __init__(self, instance: Path, database_url: str, config: dict[str, Any]) -> None:
        self.instance = instance
        self.config = config
        self.env = {**os.environ, "PROVISIONING_ENV": "development",
                    "PROVISIONING_INSTANCE": str(instance), "DATABASE_URL": database_url,
                    "PROVISIONING_LOG_LEVEL": "INFO",
                    **{f"PROVISIONING_{k}": json.dumps(v) for k, v in config.items()}}
        self.log = instance.parent / f"sipcore-{config['SIP_PORT']}.log"
        self.rpc = RpcClient(f"http://127.0.0.1:{config['KAMAILIO_RPC_PORT']}/RPC", timeout=1)
        self.proc: subprocess.Popen | None = None

    @property
    def pid_file(self) -> Path:
        return self.instance / "run" / "kamailio" / "kamailio.pid"

    def kamailio_pid(self) -> int:
        return int(self.pid_file.read_text().strip())

    def start(self, timeout: float = 30) -> SipCoreProcess:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [str(BIN / "provisioning"), "sip", "run"], cwd=REPO_ROOT, env=self.env,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = 30, not_pid: int | None = None) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"sip run exited early:\n{self.tail()}")
            try:
                self.rpc.call("core.version")
                if not_pid is None or self.kamailio_pid() != not_pid:
                    return
            except (CoreUnavailable, OSError, ValueError):
                pass
            time.sleep(0.1)
        raise TimeoutError(f"Kamailio not answering in {timeout}s:\n{self.tail()}")

    def tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def stop(self, timeout: float = 20) -> int | None:
        if self.proc is None:
            return None
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            code = self.proc.wait(timeout)
        except ProcessLookupError:
            code = self.proc.wait()
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            code = None
        self.proc = None
        return code


def drop_kamailio_database(database_url: str) -> None:
    """PostgreSQL: the '<name>_kamailio' database the core made beside the test's."""
    if not database_url.startswith("postgres"):
        return
    url = sa.make_url(database_url)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{url.database}_kamailio" WITH (FORCE)')
    finally:
        admin.dispose()


class Phone:
    """A phone played by sipp from one local port: register, then wait for requests."""

    def __init__(self, tmp: Path, core_port: int, user: str, domain: str, password: str,
                 user_agent: str, *, contact_host: str | None = None, transport: str = "u1",
                 target_port: int | None = None) -> None:
        self.tmp, self.user, self.domain = tmp, user, domain
        self.password, self.user_agent = password, user_agent
        self.transport = transport
        self.port = free_port()
        self.contact_host = contact_host  # None: the real local address and port
        self.target = f"127.0.0.1:{target_port or core_port}"
        self.core_port = core_port

    def _csv(self, *fields: str, password: str | None = None) -> Path:
        """user;domain;[authentication ...];fields... (sipp's injection file)."""
        path = self.tmp / f"phone-{self.port}-{time.monotonic_ns()}.csv"
        auth = f"[authentication username={self.user} password={password or self.password}]"
        path.write_text("SEQUENTIAL\n" + ";".join([self.user, self.domain, auth, *fields]) + "\n")
        return path

    def _argv(self, scenario: str, *extra: str) -> list[str]:
        return ["sipp", self.target, "-i", "127.0.0.1", "-p", str(self.port), "-t",
                self.transport, "-sf", str(SIPP_DIR / scenario), "-m", "1", "-nostdin",
                "-timeout_error", *extra]

    def register(self, password: str | None = None, *, expect: int = 200, expires: int = 3600,
                 timeout: float = 10) -> bool:
        """True when the answer was ``expect`` (200 or 403)."""
        scenario = "register.xml" if expect == 200 else "register_forbidden.xml"
        contact = self.contact_host or f"127.0.0.1:{self.port}"
        csv = self._csv(self.user_agent, contact, str(expires), password=password)
        return self.run(scenario, csv=csv, timeout=timeout)

    def run(self, scenario: str, *fields: str, csv: Path | None = None,
            timeout: float = 10) -> bool:
        """One sipp run in the foreground; True when the scenario completed."""
        argv = self._argv(scenario, "-inf", str(csv or self._csv(*fields)),
                          "-timeout", f"{int(timeout)}", "-recv_timeout", "6000")
        done = subprocess.run(argv, capture_output=True, timeout=timeout + 10, check=False,
                              cwd=self.tmp)
        return done.returncode == 0

    def expect(self, scenario: str, *fields: str, timeout: float = 15) -> Expectation:
        """Start a scenario in the background on this phone's port: a UAS after registering,
        or a client that waits for what it is sent (a BLF watcher)."""
        extra = ["-inf", str(self._csv(*fields))] if fields else []
        return Expectation(self._argv(scenario, "-timeout", f"{int(timeout)}", *extra),
                           self.tmp, timeout, port=self.port,
                           tcp=self.transport.startswith("t"))


def _listening(port: int, tcp: bool) -> bool:
    """Whether a local socket is bound to ``port`` (read from /proc, so no probe can race the
    process that is about to bind it)."""
    table = Path("/proc/net/tcp" if tcp else "/proc/net/udp")
    wanted = f":{port:04X}"
    for line in table.read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1].endswith(wanted) and (not tcp or fields[3] == "0A"):
            return True
    return False


class Expectation:
    """A background sipp run; ``wait`` gives (ok, messages it saw)."""

    def __init__(self, argv: list[str], tmp: Path, timeout: float, *, port: int,
                 tcp: bool = False) -> None:
        self.messages = tmp / f"messages-{time.monotonic_ns()}.log"
        self.timeout = timeout
        self.proc = subprocess.Popen(argv + ["-trace_msg", "-message_file", str(self.messages)],
                                     cwd=tmp, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        # Nothing may be sent before sipp listens (a NOTIFY to a closed port is lost, and the
        # sender reports 408): wait until the kernel lists the port, bounded.
        deadline = time.monotonic() + 10
        while not _listening(port, tcp) and time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)

    def wait(self) -> tuple[bool, str]:
        try:
            code = self.proc.wait(self.timeout + 10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            code = self.proc.wait()
        text = self.messages.read_text(errors="replace") if self.messages.exists() else ""
        return code == 0, text

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


@contextlib.contextmanager
def tls_hop(tls_port: int, ca_file: Path, server_name: str = "localhost") -> Iterator[int]:
    """A local TCP port whose connections go on over TLS to Kamailio, verifying its certificate
    against our CA. sipp speaks TCP to it; Kamailio sees SIP over TLS."""
    context = ssl.create_default_context(cafile=str(ca_file))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(0.2)
    stop = threading.Event()
    errors: list[BaseException] = []

    def pump(plain: socket.socket) -> None:
        try:
            with plain, context.wrap_socket(
                    socket.create_connection(("127.0.0.1", tls_port), timeout=5),
                    server_hostname=server_name) as secure:
                secure.setblocking(False)
                plain.setblocking(False)
                while not stop.is_set():
                    ready, _, _ = select.select([plain, secure], [], [], 0.2)
                    for src, dst in ((plain, secure), (secure, plain)):
                        if src in ready:
                            try:
                                data = src.recv(65536)
                            except (ssl.SSLWantReadError, BlockingIOError):
                                continue
                            if not data:
                                return
                            dst.setblocking(True)
                            dst.sendall(data)
                            dst.setblocking(False)
        except (OSError, ssl.SSLError) as exc:
            errors.append(exc)

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=pump, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        listener.close()
    if errors and not all(isinstance(e, ConnectionError) for e in errors):
        raise errors[0]
