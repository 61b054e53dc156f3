"""TFTP clients for the tests: a small RRQ client of our own (any 127.x source address, options,
the error code), tftpy's client, tftp-hpa's ``tftp`` and ``atftp`` as subprocesses.

The own client exists because the acceptance needs what the others cannot give: hundreds at
once from chosen source addresses, the raw error code, and hand-made (hostile) requests.
"""

from __future__ import annotations

import shutil
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OP_RRQ, OP_WRQ, OP_DATA, OP_ACK, OP_ERROR, OP_OACK = 1, 2, 3, 4, 5, 6


@dataclass
class Result:
    data: bytes | None = None
    error: int | None = None  # the server's TFTP error code
    message: str = ""
    options: dict[str, str] = field(default_factory=dict)  # from the OACK

    @property
    def ok(self) -> bool:
        return self.data is not None


def request_packet(name: str | bytes, opcode: int = OP_RRQ, mode: bytes = b"octet",
                   options: dict[str, Any] | None = None) -> bytes:
    raw = name if isinstance(name, bytes) else name.encode("latin-1")
    packet = struct.pack("!H", opcode) + raw + b"\x00" + mode + b"\x00"
    for key, value in (options or {}).items():
        packet += key.encode() + b"\x00" + str(value).encode() + b"\x00"
    return packet


def rrq(port: int, name: str | bytes, *, src: str = "127.0.0.1", host: str = "127.0.0.1",
        options: dict[str, Any] | None = None, opcode: int = OP_RRQ, timeout: float = 3.0,
        packet: bytes | None = None, deadline: float = 30.0) -> Result:
    """One download (or any hand-made first packet), answered ACK by ACK."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((src, 0))
    sock.settimeout(timeout)
    end = time.monotonic() + deadline
    try:
        sock.sendto(packet or request_packet(name, opcode, options=options), (host, port))
        blksize, expected, chunks, result = 512, 1, [], Result()
        peer = None
        while time.monotonic() < end:
            try:
                data, source = sock.recvfrom(70000)
            except TimeoutError:
                return Result(error=-1, message="timeout")
            if peer is None:
                peer = source
            elif source != peer:
                continue
            opcode_in = struct.unpack("!H", data[:2])[0]
            if opcode_in == OP_ERROR:
                code = struct.unpack("!H", data[2:4])[0]
                return Result(error=code, message=data[4:].rstrip(b"\x00").decode("latin-1"))
            if opcode_in == OP_OACK:
                fields = data[2:].split(b"\x00")[:-1]
                result.options = {fields[i].decode(): fields[i + 1].decode()
                                  for i in range(0, len(fields) - 1, 2)}
                blksize = int(result.options.get("blksize", 512))
                sock.sendto(struct.pack("!HH", OP_ACK, 0), peer)
                continue
            if opcode_in == OP_DATA:
                block = struct.unpack("!H", data[2:4])[0]
                if block == expected:
                    chunks.append(data[4:])
                    expected = (expected + 1) % 65536
                sock.sendto(struct.pack("!HH", OP_ACK, block), peer)
                if block == (expected - 1) % 65536 and len(data) - 4 < blksize:
                    result.data = b"".join(chunks)
                    return result
        return Result(error=-1, message="deadline")
    finally:
        sock.close()


def many(calls: list[Callable[[], Result]], timeout: float = 60.0) -> list[Result]:
    """Run the calls at once, each in a thread; the results in order."""
    results: list[Result | None] = [None] * len(calls)
    start = threading.Barrier(len(calls) + 1, timeout=timeout)

    def worker(i: int, call: Callable[[], Result]) -> None:
        start.wait()
        results[i] = call()

    threads = [threading.Thread(target=worker, args=(i, c), daemon=True)
               for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    start.wait()
    for t in threads:
        t.join(timeout)
    assert all(not t.is_alive() for t in threads), "a client thread hung"
    return [r if r is not None else Result(error=-1, message="no result") for r in results]


def tftpy_get(port: int, name: str, dest: Path, *, src: str = "127.0.0.1",
              options: dict[str, Any] | None = None) -> bytes:
    import tftpy

    client = tftpy.TftpClient("127.0.0.1", port, options=options or {}, localip=src)
    client.download(name, str(dest), timeout=3, retries=2)
    return dest.read_bytes()


def hpa_get(port: int, name: str, dest: Path) -> subprocess.CompletedProcess:
    """tftp-hpa's client, as an operator types it (binary mode)."""
    return subprocess.run(
        [require("tftp"), "-m", "binary", "127.0.0.1", str(port), "-c", "get", name, str(dest)],
        capture_output=True, text=True, timeout=30, check=False)


def atftp_get(port: int, name: str, dest: Path, blksize: int | None = None
              ) -> subprocess.CompletedProcess:
    argv = [require("atftp"), "--get", "-r", name, "-l", str(dest)]
    if blksize:
        argv += ["--option", f"blksize {blksize}"]
    return subprocess.run(argv + ["127.0.0.1", str(port)], capture_output=True, text=True,
                          timeout=30, check=False)


def require(tool: str) -> str:
    import pytest

    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed (tools/setup-system test installs it)")
    return path


@contextmanager
def serving(server: Any) -> Iterator[Any]:
    """Run a ``tftp.server.Server`` in a thread, bound to a free port; stop it afterwards."""
    server.bind()
    thread = threading.Thread(target=server.serve_forever, name="tftp-test", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stop()
        thread.join(10)
        assert not thread.is_alive(), "the TFTP server did not stop"
