"""The processes of one service instance, as the supervisor runs them in production."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from provisioning import REPO_ROOT
from provisioning.supervisor import ProcessSpec
from provisioning.tls.front import PhoneFront, prepare_phone_front


def _console_script() -> str:
    beside = Path(sys.executable).with_name("provisioning")
    return str(beside) if beside.exists() else (shutil.which("provisioning") or "provisioning")


def gunicorn_spec(host: str, port: int, workers: int, threads: int) -> ProcessSpec:
    # gthread: phones open a new connection per file; threads keep a slow client from holding
    # a whole worker. Access logging is the application's own (redacted), so gunicorn's is off.
    argv = [
        sys.executable, "-m", "gunicorn", "wsgi:app",
        "--bind", f"{host}:{port}",
        "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
        "--graceful-timeout", "10", "--timeout", "30", "--keep-alive", "5",
        "--max-requests", "20000", "--max-requests-jitter", "2000",
        "--chdir", str(REPO_ROOT),
        "--no-control-socket",  # gunicorn 27 would share one socket in $HOME between instances
        # gunicorn would believe X-Forwarded-Proto from any local client (127.0.0.1 by default)
        # and call the request https; the application alone decides whom to believe
        # (TRUSTED_PROXIES: nginx's own address).
        "--forwarded-allow-ips", "",
        "--preload",
    ]
    return ProcessSpec(name="web", argv=argv)


def worker_spec() -> ProcessSpec:
    return ProcessSpec(name="jobs", argv=[_console_script(), "worker"])


def default_workers() -> int:
    return max(2, (os.cpu_count() or 1))


def phone_front(
    instance_path: str | Path, config: Mapping[str, Any], web_host: str, web_port: int
) -> PhoneFront:
    """nginx terminating the phones' TLS in front of the web server at web_host:web_port, with
    its certificate and checked configuration in place (see provisioning/tls)."""
    return prepare_phone_front(instance_path, config, web_host, web_port)


def service_specs(front: PhoneFront, *app_specs: ProcessSpec) -> list[ProcessSpec]:
    """The application's processes with the settings nginx needs them to have (whom to trust,
    the phones' URL), then nginx: started last, stopped first, so phones never reach a web
    server that is going away."""
    for spec in app_specs:
        spec.env = {**(spec.env or {}), **front.env}
    return [*app_specs, front.spec]
