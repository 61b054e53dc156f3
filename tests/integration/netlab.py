"""A LAN made of network namespaces for the discovery tests: multicast never leaves it.

``Lab`` creates a namespace holding a bridge (the LAN, multicast snooping off) and one namespace
per host, each joined to the bridge by a veth pair; ``close`` deletes them all (and with them
their veth ends), also after a failure. ``inside(ns)`` runs the calling thread in a namespace for
a moment: sockets opened there stay in it. ``PgUnixProxy`` lets processes in a namespace reach the
test PostgreSQL (127.0.0.1 of the host's namespace) through a Unix socket, which is a file and
not part of any network namespace.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def _ip(*args: str, ns: str | None = None) -> None:
    argv = ["ip", *(["-n", ns] if ns else []), *args]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {result.stderr.strip()}")


def require_netns() -> None:
    """Fail (not skip) with a clear message when namespaces cannot be made here."""
    probe = f"pnpprobe{secrets.token_hex(3)}"
    try:
        _ip("netns", "add", probe)
    except (RuntimeError, FileNotFoundError) as exc:
        pytest.fail("the discovery tests need `ip netns add` (root, iproute2) to keep multicast "
                    f"inside network namespaces; it failed here: {exc}")
    _ip("netns", "del", probe)


def _setns(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {path}")
    finally:
        os.close(fd)


@contextlib.contextmanager
def inside(ns: str) -> Iterator[None]:
    """The calling thread in namespace ``ns`` for the block (sockets made there stay there)."""
    home = os.open(f"/proc/{os.getpid()}/task/{threading.get_native_id()}/ns/net", os.O_RDONLY)
    try:
        _setns(f"/run/netns/{ns}")
        yield
    finally:
        try:
            if _libc.setns(home, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back")
        finally:
            os.close(home)


class Lab:
    """``hosts``: name -> list of "address/prefix"; the first address is the host's own."""

    def __init__(self, hosts: dict[str, list[str]]) -> None:
        self.tag = secrets.token_hex(2)
        self.lan = f"lan{self.tag}"
        self.ns = {name: f"{name}{self.tag}" for name in hosts}
        self.hosts = hosts
        self.made: list[str] = []

    def open(self) -> Lab:
        require_netns()
        try:
            _ip("netns", "add", self.lan)
            self.made.append(self.lan)
            _ip("link", "add", "br0", "type", "bridge", "mcast_snooping", "0", ns=self.lan)
            _ip("link", "set", "br0", "up", ns=self.lan)
            for n, (name, addresses) in enumerate(self.hosts.items()):
                ns = self.ns[name]
                _ip("netns", "add", ns)
                self.made.append(ns)
                _ip("link", "set", "lo", "up", ns=ns)
                _ip("link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name",
                    f"p{n}", "netns", self.lan, ns=self.lan)
                _ip("link", "set", f"p{n}", "master", "br0", "up", ns=self.lan)
                for address in addresses:
                    _ip("addr", "add", address, "dev", "eth0", ns=ns)
                _ip("link", "set", "eth0", "up", ns=ns)
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        for ns in reversed(self.made):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=10)
        self.made = []

    def __enter__(self) -> Lab:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()


class PgUnixProxy:
    """``<dir>/.s.PGSQL.5432`` forwarded to the test PostgreSQL on 127.0.0.1:5432."""

    def __init__(self, target: tuple[str, int] = ("127.0.0.1", 5432)) -> None:
        self.target = target
        self.dir = Path(tempfile.mkdtemp(prefix="pgsock"))
        self.path = self.dir / ".s.PGSQL.5432"
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(str(self.path))
        self._server.listen(64)
        self._stop = threading.Event()
        self._open: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def url_for(self, database_url: str) -> str:
        """The same database, reached through the proxy."""
        import sqlalchemy as sa

        url = sa.make_url(database_url)
        return url.set(host=None, port=None, query={"host": str(self.dir)}).render_as_string(
            hide_password=False)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            self._open.extend((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            src.close()  # each socket is the source of exactly one pipe

    def close(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._server.shutdown(socket.SHUT_RDWR)  # wakes the accept() up on Linux
        self._server.close()
        self._thread.join(timeout=5)
        for sock in self._open:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        with contextlib.suppress(OSError):
            self.path.unlink()
            self.dir.rmdir()
