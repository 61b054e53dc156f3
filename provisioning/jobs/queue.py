"""The job table as a queue shared by every worker of every instance.

A worker takes a job with a conditional UPDATE (``claim``): it succeeds only while the job is due
and nobody holds a live lease, and the row count says who won. The job then runs in a transaction
that first re-confirms the lease (``confirm_lease``) and ends by marking the job finished under
the same lease, so the job's own writes and "done" commit together or not at all: a worker that
lost its lease (it stalled past the lease time and another worker took over) rolls its work back.

No broker-free library does this on both SQLite and PostgreSQL: APScheduler 3 has no
cross-instance locking (4 is a pre-release), RQ, Celery and Dramatiq need Redis or RabbitMQ.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import CursorResult, and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from provisioning.common.models import utcnow
from provisioning.extensions import db
from provisioning.jobs.models import Job

PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"
MAX_BACKOFF_SECONDS = 3600


def enqueue(kind: str, payload: dict[str, Any] | None = None, *, run_at: dt.datetime | None = None,
            unique_key: str | None = None, interval_seconds: int | None = None) -> Job:
    """Add a job in the caller's transaction (flushed, not committed). With a ``unique_key``,
    a job already holding that key is returned instead of adding a second one."""
    session = db.session
    if unique_key is not None:
        existing = _by_key(session, unique_key)
        if existing is not None:
            return existing
    job = Job(kind=kind, payload=payload or {}, run_at=run_at or utcnow(), unique_key=unique_key,
              interval_seconds=interval_seconds, status=PENDING, attempts=0)
    try:
        with session.begin_nested():
            session.add(job)
    except IntegrityError:
        # Another transaction added the same key meanwhile: theirs is the job.
        existing = _by_key(session, unique_key or "")
        if existing is None:
            raise
        return existing
    return job


def _by_key(session: Any, unique_key: str) -> Job | None:
    return session.execute(select(Job).where(Job.unique_key == unique_key)).scalar_one_or_none()


def ensure_recurring(intervals: dict[str, int], now: dt.datetime | None = None) -> None:
    """One row per recurring kind (its unique key is the kind), created once across instances;
    a changed interval is taken over. Commits."""
    session = db.session
    for kind, seconds in sorted(intervals.items()):
        job = enqueue(kind, run_at=now or utcnow(), unique_key=kind, interval_seconds=seconds)
        if job.interval_seconds != seconds:
            job.interval_seconds = seconds
        session.commit()


def runnable(now: dt.datetime):
    """Due and free, or held under a lease that has run out (its worker died)."""
    return or_(
        and_(Job.status == PENDING, Job.run_at <= now),
        and_(Job.status == RUNNING, Job.lease_expires_at <= now),
    )


def due_ids(now: dt.datetime, limit: int) -> list[int]:
    session = db.session
    stmt = select(Job.id).where(runnable(now)).order_by(Job.run_at, Job.id).limit(limit)
    ids = list(session.execute(stmt).scalars())
    session.rollback()  # end the read transaction: a claim must start with its write (SQLite)
    return ids


def claim(job_id: int, owner: str, now: dt.datetime, lease_seconds: int) -> bool:
    """Take the job if it is still runnable; True when this worker won it. Commits."""
    session = db.session
    result = session.execute(
        update(Job).where(Job.id == job_id, runnable(now)).values(
            status=RUNNING, lease_owner=owner, attempts=Job.attempts + 1,
            lease_expires_at=now + dt.timedelta(seconds=lease_seconds),
        ).execution_options(synchronize_session=False)
    )
    session.commit()
    return _count(result) == 1


def _mine(job_id: int, owner: str):
    return update(Job).where(Job.id == job_id, Job.status == RUNNING, Job.lease_owner == owner) \
        .execution_options(synchronize_session=False)


def confirm_lease(job_id: int, owner: str, now: dt.datetime,
                  lease_seconds: int) -> bool:
    """First statement of the job's transaction: renews the lease and, being a write, takes the
    write lock at once (a SQLite transaction that reads first cannot write later if another
    worker wrote in between; on PostgreSQL it locks the row against a take-over)."""
    session = db.session
    result = session.execute(_mine(job_id, owner).values(
        lease_expires_at=now + dt.timedelta(seconds=lease_seconds)))
    return _count(result) == 1


def job_facts(job_id: int) -> tuple[str, dict, int, int | None]:
    session = db.session
    row = session.execute(
        select(Job.kind, Job.payload, Job.attempts, Job.interval_seconds).where(Job.id == job_id)
    ).one()
    return row.kind, dict(row.payload or {}), row.attempts, row.interval_seconds


def finish(job_id: int, owner: str, now: dt.datetime,
           interval_seconds: int | None) -> bool:
    """Mark success under our lease, in the job's own transaction; a recurring job is simply
    due again one interval later."""
    session = db.session
    done = _cleared() | {"last_error": None}
    if interval_seconds:
        done |= {"status": PENDING, "attempts": 0,
                 "run_at": now + dt.timedelta(seconds=interval_seconds)}
    else:
        done |= {"status": DONE, "finished_at": now}
    return _count(session.execute(_mine(job_id, owner).values(**done))) == 1


def record_failure(job_id: int, owner: str, now: dt.datetime, error: str, *,
                   attempts: int, interval_seconds: int | None, max_attempts: int,
                   retry_base_seconds: float, permanent: bool = False) -> str:
    """Retry with exponential backoff, or give up after ``max_attempts``: a one-shot job becomes
    'failed' (kept with its last error); a recurring one waits for its next interval. Commits;
    returns the new status."""
    session = db.session
    values: dict[str, Any] = _cleared() | {"last_error": error[:4000]}
    if permanent or attempts >= max_attempts:
        if interval_seconds:
            values |= {"status": PENDING, "attempts": 0,
                       "run_at": now + dt.timedelta(seconds=interval_seconds)}
        else:
            values |= {"status": FAILED, "finished_at": now}
    else:
        delay = min(retry_base_seconds * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS)
        values |= {"status": PENDING, "run_at": now + dt.timedelta(seconds=delay)}
    session.execute(_mine(job_id, owner).values(**values))
    session.commit()
    return values["status"]


def _cleared() -> dict[str, Any]:
    return {"lease_owner": None, "lease_expires_at": None}


def _count(result: Any) -> int:
    assert isinstance(result, CursorResult)
    return result.rowcount
