"""Real HTTPS on loopback: nginx (as ``provisioning serve`` configures it) in front of a web
server, and a client that talks to it as a phone does.

    web = Gunicorn(instance, database_url, env).start()    # the production WSGI server
    web = EchoServer().start()                             # or: a WSGI app in a thread
    front = NginxFront(instance, web.port, https_port=free_port()).start()
    phone = PhoneClient(front, user_agent=SNOM_UA, client_cert=(crt, key))
    answer = phone.get("/p/<secret>/snomD785.htm")         # Answer(status, headers, body)

Everything listens on 127.0.0.1 on ports the OS chose, and is stopped by ``stop()`` (or the
``with`` block). No third-party HTTP client: ``http.client`` and ``ssl`` with the instance's
CA as the only trust anchor, SNI and host-name checking on.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server

from provisioning import REPO_ROOT
from provisioning.config import build_config
from provisioning.instance import ca_dir
from provisioning.server import gunicorn_spec
from provisioning.tls.front import PhoneFront, prepare_phone_front
from tests.integration.demo import free_port

SNOM_UA = "Mozilla/4.0 (compatible; snomD785/10.1.184.14 000413A1B2C3)"
YEALINK_UA = "Yealink SIP-T54W 96.86.0.70 80:5e:c0:a1:b2:c3"


def wait_for_port(port: int, proc: subprocess.Popen | None = None, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def stop_group(proc: subprocess.Popen | None, sig: int = signal.SIGTERM,
               timeout: float = 20) -> int:
    """Signal the process group we started and wait; its exit code (killed if it hangs)."""
    if proc is None:
        return 0
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc.returncode


class EchoServer:
    """A WSGI app in a thread (default: answers with what it was sent, as JSON)."""

    def __init__(self, app: Callable | None = None) -> None:
        self.app = app or echo_app
        self.port = free_port()
        self.requests: list[dict[str, Any]] = []
        self._server: Any = None

    def start(self) -> EchoServer:
        def recording(environ, start_response):
            self.requests.append(dict(environ))
            return self.app(environ, start_response)

        self._server = make_server("127.0.0.1", self.port, recording, threaded=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def echo_app(environ, start_response):
    seen = {k: v for k, v in environ.items() if k.startswith("HTTP_") or k in (
        "REMOTE_ADDR", "PATH_INFO", "REQUEST_METHOD", "wsgi.url_scheme")}
    body = json.dumps(seen).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]


class Gunicorn:
    """``gunicorn wsgi:app`` as ``provisioning serve`` starts it, on the test's instance and DB."""

    def __init__(self, instance: Path, database_url: str, env: Mapping[str, str],
                 port: int | None = None) -> None:
        self.instance, self.port = instance, port or free_port()
        self.env = {
            **os.environ, "PROVISIONING_ENV": "development",
            "PROVISIONING_INSTANCE": str(instance), "DATABASE_URL": database_url,
            "PROVISIONING_LOG_LEVEL": "INFO", **env,
        }
        self.log = instance.parent / f"gunicorn-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Gunicorn:
        spec = gunicorn_spec("127.0.0.1", self.port, workers=1, threads=4)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(list(spec.argv), cwd=REPO_ROOT, env=self.env,
                                         stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        try:
            wait_for_port(self.port, self.proc, timeout=60)
        except (RuntimeError, TimeoutError) as exc:
            self.stop()
            raise RuntimeError(f"{exc}\n{self.log.read_text()[-3000:]}") from None
        return self

    def stop(self) -> None:
        stop_group(self.proc)
        self.proc = None

    def restart(self) -> Gunicorn:
        self.stop()
        return self.start()


class NginxFront:
    """nginx configured by ``prepare_phone_front``, the way serve and demo-run do it."""

    def __init__(self, instance: Path, web_port: int, **config: Any) -> None:
        self.instance = instance
        self.https_port = config.pop("https_port", None) or free_port()
        self.config = build_config({"PHONE_HTTPS_PORT": self.https_port, **{
            key.upper(): value for key, value in config.items()}})
        self.web_port = web_port
        self.front: PhoneFront | None = None
        self.proc: subprocess.Popen | None = None

    @property
    def ca_file(self) -> Path:
        return ca_dir(self.instance) / "ca.crt"

    @property
    def run_dir(self) -> Path:
        return self.instance / "run"

    @property
    def app_env(self) -> dict[str, str]:
        """What the web server must be told (TRUSTED_PROXIES, PHONE_BASE_URL)."""
        return dict(self.prepare().env)

    def prepare(self) -> PhoneFront:
        if self.front is None:
            self.front = prepare_phone_front(self.instance, self.config, "127.0.0.1",
                                             self.web_port)
        return self.front

    def start(self) -> NginxFront:
        spec = self.prepare().spec
        self.proc = subprocess.Popen(list(spec.argv), start_new_session=True,
                                     stderr=subprocess.PIPE)
        try:
            wait_for_port(self.https_port, self.proc)
        except (RuntimeError, TimeoutError) as exc:
            self.stop()
            raise RuntimeError(f"nginx: {exc}: {self.proc.stderr.read()!r}") from None
        return self

    def stop(self, sig: int = signal.SIGTERM) -> int:
        code = stop_group(self.proc, sig)
        if self.proc is not None and self.proc.stderr is not None:
            self.proc.stderr.close()
        self.proc = None
        return code


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes
    peer_certificate: dict[str, Any]

    def json(self) -> Any:
        return json.loads(self.body)


class PhoneClient:
    """A phone: TLS to nginx with the instance CA as the only trust anchor, SNI for ``host``,
    its User-Agent, optionally a client certificate. A new connection per file, as phones do."""

    def __init__(self, ca_file: Path, port: int, *, user_agent: str, host: str = "localhost",
                 client_cert: tuple[Path, Path] | None = None,
                 tls_version: ssl.TLSVersion | None = None, source: str | None = None) -> None:
        self.port, self.host, self.user_agent, self.source = port, host, user_agent, source
        self.context = ssl.create_default_context(cafile=str(ca_file))
        if client_cert is not None:
            self.context.load_cert_chain(*map(str, client_cert))
        if tls_version is not None:
            self.context.minimum_version = self.context.maximum_version = tls_version

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> Answer:
        connection = _LoopbackHTTPS(self.host, self.port, self.context, self.source)
        try:
            connection.putrequest("GET", path, skip_accept_encoding=True)
            connection.putheader("User-Agent", self.user_agent)
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            connection.endheaders()
            response = connection.getresponse()
            body = response.read()
            peer = connection.peer_certificate
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()},
                          body, peer)
        finally:
            connection.close()


class _LoopbackHTTPS(http.client.HTTPSConnection):
    """Connects to 127.0.0.1, but sends SNI for and checks the certificate against ``host``."""

    def __init__(self, host: str, port: int, context: ssl.SSLContext,
                 source: str | None = None) -> None:
        super().__init__(host, port, context=context, timeout=15)
        self.tls_context = context
        self.source = source
        self.peer_certificate: dict[str, Any] = {}

    def connect(self) -> None:
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout,
                                        (self.source, 0) if self.source else None)
        self.sock = self.tls_context.wrap_socket(sock, server_hostname=self.host)
        self.peer_certificate = self.sock.getpeercert() or {}


def plain_get(port: int, path: str, headers: Mapping[str, str]) -> Answer:
    """Plain HTTP straight to a server (e.g. gunicorn, bypassing nginx)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        connection.request("GET", path, headers=dict(headers))
        response = connection.getresponse()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()},
                      response.read(), {})
    finally:
        connection.close()


@contextlib.contextmanager
def nginx_over(web_port: int, instance: Path, **config: Any) -> Iterator[NginxFront]:
    front = NginxFront(instance, web_port, **config).start()
    try:
        yield front
    finally:
        front.stop()
