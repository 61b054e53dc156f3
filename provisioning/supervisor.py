"""Runs the service's processes (web server, job worker, later the SIP core and TFTP) and keeps
them running: a child that dies is restarted with a growing delay, SIGTERM/SIGINT stops them all.

Each child is started in its own process group so that a stop reaches its own children too
(gunicorn's workers), and nothing is left behind when the supervisor ends.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass
class ProcessSpec:
    name: str
    argv: Sequence[str]
    env: dict[str, str] | None = None
    stop_timeout: float = 10.0
    # internal state
    proc: subprocess.Popen | None = field(default=None, repr=False)
    restarts: int = 0
    next_start: float = 0.0
    started_at: float = 0.0


class Supervisor:
    """Start, watch and stop a fixed set of processes."""

    MAX_BACKOFF = 30.0
    STABLE_AFTER = 60.0  # a child that ran this long has its backoff reset

    def __init__(self, specs: Sequence[ProcessSpec]) -> None:
        self.specs = list(specs)
        self._stopping = False

    def _start(self, spec: ProcessSpec) -> None:
        env = dict(os.environ)
        env.update(spec.env or {})
        spec.proc = subprocess.Popen(list(spec.argv), env=env, start_new_session=True)
        spec.started_at = time.monotonic()
        log.info("started %s (pid %s)", spec.name, spec.proc.pid)

    def _stop(self, spec: ProcessSpec) -> None:
        proc = spec.proc
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            proc.wait(spec.stop_timeout)
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop in %.0f s; killing it", spec.name, spec.stop_timeout)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def request_stop(self, *_args) -> None:
        self._stopping = True

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)
        for spec in self.specs:
            self._start(spec)
        try:
            while not self._stopping:
                self._watch()
                time.sleep(0.2)
        finally:
            for spec in reversed(self.specs):
                self._stop(spec)
            log.info("all processes stopped")
        return 0

    def _watch(self) -> None:
        now = time.monotonic()
        for spec in self.specs:
            proc = spec.proc
            if proc is not None and proc.poll() is None:
                if spec.restarts and now - spec.started_at > self.STABLE_AFTER:
                    spec.restarts = 0
                continue
            if proc is not None:
                code = proc.returncode
                spec.proc = None
                # Its own children may outlive it (Kamailio's workers after SIGKILL of the main
                # process keep the SIP ports): clear its process group before the restart.
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
                spec.restarts += 1
                delay = min(self.MAX_BACKOFF, 0.5 * 2 ** (spec.restarts - 1))
                spec.next_start = now + delay
                log.error("%s exited with %s; restarting in %.1f s", spec.name, code, delay)
            if spec.proc is None and now >= spec.next_start:
                self._start(spec)
