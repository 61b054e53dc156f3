"""TFTP: our server (``provisioning tftp``, as the supervisor runs it) against tftpd-hpa serving
the same bytes from a directory, driven by the same client (``bench.tftp_client``)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.procs import MemorySampler, free_port, start_group, stop_group
from bench.world import World

REPO_ROOT = Path(__file__).resolve().parent.parent


def probe(port: int, name: str, timeout: float = 30) -> None:
    """Wait until the server answers a read request for ``name`` with data."""
    deadline = time.monotonic() + timeout
    request = struct.pack("!H", 1) + name.encode() + b"\0octet\0"
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(0.5)
            sock.sendto(request, ("127.0.0.1", port))
            try:
                data, _ = sock.recvfrom(600)
                if struct.unpack_from("!H", data)[0] == 3:
                    return
            except OSError:
                pass
        time.sleep(0.2)
    raise TimeoutError(f"no TFTP server answers on 127.0.0.1:{port}")


class OurTftp:
    def __init__(self, world: World, env: dict[str, str]) -> None:
        self.port = free_port(socket.SOCK_DGRAM)
        self.env = {**os.environ, "PROVISIONING_ENV": "production",
                    "PROVISIONING_INSTANCE": str(world.instance),
                    "DATABASE_URL": world.database_url, **env}
        self.log = world.instance.parent / "tftp.log"
        self.proc: subprocess.Popen | None = None

    def start(self, probe_name: str) -> OurTftp:
        from tftp.process import tftp_spec

        argv = [*tftp_spec().argv, "--host", "127.0.0.1", "--port", str(self.port)]
        self.proc = start_group(argv, self.log, self.env, cwd=REPO_ROOT)
        probe(self.port, probe_name)
        return self

    def stop(self) -> None:
        stop_group(self.proc)
        self.proc = None


class TftpdHpa:
    """``in.tftpd -L -s <root> -a 127.0.0.1:<port>``: Debian's tftpd-hpa in the foreground,
    chrooted into the directory of dumped files, on a port of ours."""

    def __init__(self, root: Path) -> None:
        self.root, self.port = root, free_port(socket.SOCK_DGRAM)
        self.log = root.parent / "tftpd-hpa.log"
        self.proc: subprocess.Popen | None = None

    @staticmethod
    def binary() -> str | None:
        return shutil.which("in.tftpd", path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")

    def start(self, probe_name: str) -> TftpdHpa:
        binary = self.binary()
        if binary is None:
            raise RuntimeError("in.tftpd not found (tools/setup-system bench installs tftpd-hpa)")
        # It drops to the "tftp" user after chroot: the tree must be readable by others.
        os.chmod(self.root, 0o755)  # noqa: S103 - a throw-away tree of public files
        for path in self.root.iterdir():
            os.chmod(path, 0o644)
        self.proc = start_group([binary, "-L", "-s", str(self.root), "-a",
                                 f"127.0.0.1:{self.port}"], self.log)
        probe(self.port, probe_name)
        return self

    def stop(self) -> None:
        stop_group(self.proc)
        self.proc = None


def fetch(port: int, name: str, source: str = "127.0.0.1", timeout: float = 2.0) -> bytes:
    """One plain download (no options), for capturing what a server answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((source, 0))
        sock.settimeout(timeout)
        sock.sendto(struct.pack("!H", 1) + name.encode() + b"\0octet\0", ("127.0.0.1", port))
        chunks, expected = [], 1
        while True:
            data, peer = sock.recvfrom(600)
            opcode, block = struct.unpack_from("!HH", data)
            if opcode != 3:
                raise RuntimeError(f"{name}: TFTP error {block} {data[4:-1]!r}")
            sock.sendto(struct.pack("!HH", 4, block), peer)
            if block == expected:
                chunks.append(data[4:])
                expected += 1
                if len(data) - 4 < 512:
                    return b"".join(chunks)


def capture(world: World, port: int, path: Path) -> Path:
    """tftpd-hpa's directory filled with our server's answers to a phone of the tenant's LAN,
    and the manifest the client checks every transfer against: the same bytes from both."""
    world.tftp_root.mkdir(exist_ok=True)
    order = world.tftp_names()
    files = {}
    for name in dict.fromkeys(order):
        body = fetch(port, name, source="127.0.9.1")
        (world.tftp_root / name).write_bytes(body)
        files[name] = {"size": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    path.write_text(json.dumps({"order": order, "files": files}))
    return path


def load(port: int, manifest: Path, clients: int, transfers: int, deadline: float,
         pgids: list[int]) -> dict[str, Any]:
    argv = [sys.executable, "-m", "bench.tftp_client", str(port), str(manifest), str(clients),
            str(transfers), str(deadline)]
    with MemorySampler(pgids) as memory:
        out = subprocess.run(argv, capture_output=True, text=True, cwd=REPO_ROOT,
                             timeout=deadline + 60, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"TFTP client failed: {out.stderr[-2000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["peak_rss_mb"] = round(memory.peak_rss / 2**20, 1)
    result["peak_pss_mb"] = round(memory.peak_pss / 2**20, 1)
    # One Python thread: near a whole core means the client, not the server, set the pace.
    result["client_bound"] = result["client_cpu_share"] >= 0.9
    return result
