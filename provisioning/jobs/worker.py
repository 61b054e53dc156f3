"""The job worker: polls the job table, runs what is due, one job and one transaction at a time.

Run any number of workers, in any number of instances, on one database: the lease in the job row
(``queue.claim``) makes each run happen once. ``provisioning worker`` runs one in the foreground;
SIGTERM or SIGINT lets the current job finish, then it stops.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable

from flask import Flask
from sqlalchemy.exc import OperationalError

from provisioning.common.models import utcnow
from provisioning.context import Actor, acting_as
from provisioning.extensions import db
from provisioning.jobs import queue
from provisioning.jobs.registry import Registry, build_registry

log = logging.getLogger(__name__)

RETRY_BASE_SECONDS_DEFAULT = 30.0
BATCH = 20


class UnknownJobKind(RuntimeError):
    pass


class Worker:
    def __init__(self, app: Flask, *, registry: Registry | None = None, name: str | None = None,
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.app = app
        self.registry = registry or build_registry()
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.clock = clock
        config = app.config
        self.poll_seconds = float(config["WORKER_POLL_SECONDS"])
        self.lease_seconds = int(config["WORKER_LEASE_SECONDS"])
        self.max_attempts = int(config["JOB_MAX_ATTEMPTS"])
        self.retry_base_seconds = float(
            config.get("JOB_RETRY_BASE_SECONDS", RETRY_BASE_SECONDS_DEFAULT))

    def run(self, stop: threading.Event) -> None:
        """Until ``stop`` is set: run everything due, then sleep one poll interval."""
        log.info("worker %s started", self.name)
        with self.app.app_context():
            queue.ensure_recurring(dict(self.registry.intervals), self.clock())
            try:
                while not stop.is_set():
                    ran = self.run_pending(stop)
                    if not ran:
                        stop.wait(self.poll_seconds)
            finally:
                db.session.remove()
        log.info("worker %s stopped", self.name)

    def run_pending(self, stop: threading.Event | None = None) -> int:
        """Run due jobs until none is left (or ``stop``); returns how many this worker ran.
        Needs an application context."""
        ran = 0
        while stop is None or not stop.is_set():
            job_id = self._claim_one()
            if job_id is None:
                return ran
            self._execute(job_id)
            ran += 1
        return ran

    def _claim_one(self) -> int | None:
        session = db.session
        for job_id in queue.due_ids(self.clock(), BATCH):
            try:
                if queue.claim(job_id, self.name, self.clock(), self.lease_seconds):
                    return job_id
            except OperationalError:
                # SQLite busy past its timeout while another worker holds a long job: next poll.
                session.rollback()
                log.warning("job table busy; trying again at the next poll")
                return None
        return None

    def _execute(self, job_id: int) -> None:
        session = db.session
        if not queue.confirm_lease(job_id, self.name, self.clock(), self.lease_seconds):
            session.rollback()
            return
        kind, payload, attempts, interval = queue.job_facts(job_id)
        handler = self.registry.handlers.get(kind)
        try:
            if handler is None:
                raise UnknownJobKind(f"no handler for job kind {kind!r}")
            with acting_as(Actor(label=f"job:{kind}", via="job")):
                handler(payload)
                session.flush()
            if not queue.finish(job_id, self.name, self.clock(), interval):
                session.rollback()
                log.warning("job %s (%s) lost its lease while running; its work was undone",
                            job_id, kind)
                return
            session.commit()
        except Exception as exc:  # noqa: BLE001 - a job's failure is recorded, never fatal
            session.rollback()
            log.exception("job %s (%s) failed on attempt %d", job_id, kind, attempts)
            status = queue.record_failure(
                job_id, self.name, self.clock(), f"{type(exc).__name__}: {exc}",
                attempts=attempts, interval_seconds=interval, max_attempts=self.max_attempts,
                retry_base_seconds=self.retry_base_seconds,
                permanent=isinstance(exc, UnknownJobKind),
            )
            if status == queue.FAILED:
                log.error("job %s (%s) failed for good after %d attempts", job_id, kind, attempts)
