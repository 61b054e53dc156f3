"""The HTTPS side: the service as ``provisioning serve`` runs it (nginx terminating TLS in front of
gunicorn with the production settings of ``provisioning.server``), nginx alone serving the same
bytes as static files with the same certificate and TLS settings, and wrk driving both.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.procs import (
    MemorySampler,
    cpu_seconds,
    free_port,
    start_group,
    stop_group,
    wait_for_port,
)
from bench.world import World

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
WRK_BOUND_SECONDS = 600  # wrk's own hard stop, should a run never finish


@dataclass
class Ports:
    web: int
    https: int
    static: int


def front_env(instance: Path, ports: Ports) -> tuple[Any, dict[str, str]]:
    """nginx's configuration for the instance, written and checked as ``serve`` does, and the
    settings the application's processes get from it."""
    from provisioning.config import build_config
    from provisioning.server import phone_front

    config = build_config({"PHONE_HTTPS_PORT": ports.https})
    front = phone_front(instance, config, "127.0.0.1", ports.web)
    return front, dict(front.env)


class Service:
    """gunicorn (``gunicorn_spec`` with ``serve``'s defaults) and nginx (the PhoneFront)."""

    def __init__(self, world: World, front: Any, env: dict[str, str], ports: Ports,
                 workers: int | None = None, threads: int = 4) -> None:
        from provisioning.server import default_workers

        self.world, self.front, self.ports = world, front, ports
        self.workers, self.threads = workers or default_workers(), threads
        self.env = {**os.environ, "PROVISIONING_ENV": "production",
                    "PROVISIONING_INSTANCE": str(world.instance),
                    "DATABASE_URL": world.database_url, **env}
        self.log = world.instance.parent / "service.log"
        self.web: subprocess.Popen | None = None
        self.nginx: subprocess.Popen | None = None

    def start(self) -> Service:
        from provisioning.server import gunicorn_spec

        spec = gunicorn_spec("127.0.0.1", self.ports.web, self.workers, self.threads)
        self.web = start_group(spec.argv, self.log, self.env, cwd=REPO_ROOT)
        wait_for_port(self.ports.web, self.web)
        self.nginx = start_group(self.front.spec.argv, self.log)
        wait_for_port(self.ports.https, self.nginx)
        return self

    @property
    def pgids(self) -> list[int]:
        return [p.pid for p in (self.web, self.nginx) if p is not None]

    def worker_pids(self) -> list[int]:
        from bench.procs import group_pids

        return [pid for pid in group_pids(self.web.pid) if pid != self.web.pid] if self.web else []

    def stop(self) -> None:
        stop_group(self.nginx)
        stop_group(self.web)
        self.nginx = self.web = None


class StaticNginx:
    """nginx with the service's own configuration (same certificate, protocols, session cache,
    client-certificate request, workers), its /p/ location serving files from a directory."""

    def __init__(self, world: World, front_config: Path, port: int) -> None:
        self.port = port
        self.run_dir = world.instance.parent / "static-run"
        self.run_dir.mkdir(exist_ok=True)
        text = front_config.read_text()
        location = re.compile(r"location /p/ \{.*?\n        \}", re.S)
        if not location.search(text):
            raise RuntimeError(f"no /p/ location in {front_config}")
        text = location.sub(f"location /p/ {{\n            root {world.static_root};\n        }}",
                            text, count=1)
        text = re.sub(r"listen \S+ ssl", f"listen 127.0.0.1:{port} ssl", text)
        text = text.replace(str(front_config.parent) + "/", str(self.run_dir) + "/")
        self.config = self.run_dir / "nginx.conf"
        self.config.write_text(text)
        self.log = self.run_dir / "nginx.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> StaticNginx:
        from provisioning.tls.nginx import base_argv, check_config, nginx_binary

        binary = nginx_binary()
        check_config(binary, self.config)
        self.proc = start_group(base_argv(binary, self.config), self.log)
        wait_for_port(self.port, self.proc)
        return self

    @property
    def pgids(self) -> list[int]:
        return [self.proc.pid] if self.proc else []

    def stop(self) -> None:
        stop_group(self.proc)
        self.proc = None


def write_phone_list(world: World, path: Path, static: bool) -> Path:
    with open(path, "w") as out:
        for phone in world.phones:
            fields = [phone.user_agent] + [
                f"{phone.path(f.name)} {f.status} {f.static_etag if static else f.etag}"
                for f in phone.fetches]
            out.write("\t".join(fields) + "\n")
    return path


def boot_storm(port: int, phone_list: Path, concurrency: int, out_dir: Path, label: str,
               pgids: list[int], threads: int = 1) -> dict[str, Any]:
    """Every phone of the list through its boot sequence over ``concurrency`` connections; ends
    when the last phone is done (or at WRK_BOUND_SECONDS)."""
    result_file = out_dir / f"wrk-{label}.json"
    result_file.unlink(missing_ok=True)
    env = {**os.environ, "BENCH_LIST": str(phone_list), "BENCH_THREADS": str(threads),
           "BENCH_CONNS": str(concurrency // threads), "BENCH_OUT": str(result_file)}
    argv = ["wrk", "-t", str(threads), "-c", str(concurrency), "-d", f"{WRK_BOUND_SECONDS}s",
            "--timeout", "30s", "-s", str(BENCH_DIR / "boot.lua"), f"https://localhost:{port}/"]
    log = out_dir / f"wrk-{label}.log"
    cpu_before = [cpu_seconds(pgid) for pgid in pgids]
    with MemorySampler(pgids) as memory, open(log, "wb") as out:
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        _end_when_threads_done(proc)
    cpu = [cpu_seconds(pgid) - before for pgid, before in zip(pgids, cpu_before, strict=True)]
    if not result_file.exists():
        raise RuntimeError(f"wrk wrote no result: {log.read_text()[-2000:]}")
    raw = json.loads(result_file.read_text())
    complete = raw["provisioned"] + raw["failed_phones"] == raw["phones"]
    seconds = max(1e-6, (raw["finished_us"] - raw["started_us"]) / 1e6) if complete else None
    socket_errors = sum(raw["socket_errors"][k] for k in ("connect", "read", "write"))
    return {
        "phones": raw["phones"], "provisioned": raw["provisioned"],
        "failed_phones": raw["failed_phones"] + (raw["phones"] - raw["provisioned"]
                                                 - raw["failed_phones"]),
        "complete": complete, "files": raw["answers"],
        "seconds": round(seconds, 3) if seconds else None,
        "files_per_s": round(raw["answers"] / seconds, 1) if seconds else 0.0,
        "phones_per_s": round(raw["provisioned"] / seconds, 1) if seconds else 0.0,
        # per file as the phone sees it: new connection, TLS handshake, request, whole answer
        "p50_ms": raw["file_ms"]["p50"], "p95_ms": raw["file_ms"]["p95"],
        "p99_ms": raw["file_ms"]["p99"], "max_ms": raw["file_ms"]["max"],
        "request_ms": raw["wire_ms"], "boot_sequence_ms": raw["boot_ms"],
        "errors": raw["unmatched"] + socket_errors + raw["failed_phones"],
        "error_detail": {"unmatched_answers": raw["unmatched"], "socket": raw["socket_errors"]},
        "reissued_requests": raw["reissued"], "idle_requests": raw["idle"],
        "peak_rss_mb": round(memory.peak_rss / 2**20, 1),
        "peak_pss_mb": round(memory.peak_pss / 2**20, 1),
        # CPU time per answered file of each server process group (gunicorn, nginx / nginx)
        "cpu_ms_per_file": [round(1000 * c / max(1, raw["answers"]), 3) for c in cpu],
    }


def _end_when_threads_done(proc: subprocess.Popen) -> None:
    """wrk sleeps for its whole duration even when every thread has stopped: once only its main
    thread is left, SIGINT makes it print and run done() at once."""
    task_dir = Path(f"/proc/{proc.pid}/task")
    seen_threads = False
    while proc.poll() is None:
        try:
            count = len(os.listdir(task_dir))
        except OSError:
            break
        seen_threads = seen_threads or count > 1
        if seen_threads and count == 1:
            proc.send_signal(signal.SIGINT)
            break
        time.sleep(0.05)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        stop_group(proc)


def not_modified(port: int, path: str, user_agent: str, etag: str, concurrency: int,
                 seconds: int, out_dir: Path) -> dict[str, Any]:
    """304 answers per second: one known file asked for with its current ETag, a new TLS
    connection each time, for a fixed time."""
    argv = ["wrk", "-t", "2", "-c", str(concurrency), "-d", f"{seconds}s", "--timeout", "30s",
            "--latency", "-H", "Connection: close", "-H", f"If-None-Match: {etag}",
            "-H", f"User-Agent: {user_agent}", f"https://localhost:{port}{path}"]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=True)
    (out_dir / "wrk-304.log").write_text(out.stdout)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out.stdout).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out.stdout)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out.stdout)
    scale = {"us": 0.001, "ms": 1, "s": 1000}
    return {"answers_per_s": rate, "non_304": int(non_2xx.group(1)) if non_2xx else 0,
            "p99_ms": round(float(p99.group(1)) * scale[p99.group(2)], 2) if p99 else None}


def tls_session(port: int, ca_file: Path) -> dict[str, str]:
    """What a client negotiates with the front: protocol, cipher, key type of the certificate."""
    import socket
    import ssl

    from cryptography import x509

    context = ssl.create_default_context(cafile=str(ca_file))
    with socket.create_connection(("127.0.0.1", port), 5) as raw, context.wrap_socket(
            raw, server_hostname="localhost") as tls:
        cert = x509.load_der_x509_certificate(tls.getpeercert(binary_form=True))
        key = cert.public_key()
        curve = getattr(getattr(key, "curve", None), "name", None)
        return {"protocol": tls.version() or "", "cipher": tls.cipher()[0],
                "server_key": f"{type(key).__name__.removeprefix('_')} {curve or key.key_size}"}


def fresh_ports() -> Ports:
    return Ports(web=free_port(), https=free_port(), static=free_port())
