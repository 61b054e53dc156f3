"""The job worker: each job exactly once across workers, leases taken over, retries, and the
service's recurring jobs. Every backend gets a database of its own (the workers commit)."""

from __future__ import annotations

import collections
import datetime as dt
import threading
import time

import pytest
from sqlalchemy import delete, func, select, update

from provisioning.accounts.models import ApiToken, AuthFailure, Role
from provisioning.common.models import utcnow
from provisioning.extensions import db
from provisioning.jobs import queue
from provisioning.jobs.models import Job
from provisioning.jobs.registry import JobKind, build_registry
from provisioning.jobs.worker import Worker
from provisioning.journal.models import JournalEntry
from provisioning.journal.recorder import record
from provisioning.numbers.models import NumberStatus
from tests.factories import make_account, make_tenant
from tests.factories_ops import committed_app, fresh_database
from tests.factories_people import make_employee, make_number


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def jobs_app(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"jobs-{request.param}")
    with fresh_database(request.param, tmp) as url, \
            committed_app(tmp, url, WORKER_POLL_SECONDS=0.05, JOB_RETRY_BASE_SECONDS=0) as app:
        yield app


@pytest.fixture
def ctx(jobs_app):
    """An application context on an empty job table."""
    with jobs_app.app_context():
        db.session.execute(delete(Job))
        db.session.commit()
        yield jobs_app
        db.session.remove()


def _marking_registry(counter: collections.Counter, lock: threading.Lock, fail: bool = False):
    def mark(payload):
        with lock:
            counter[payload["n"]] += 1
        time.sleep(0.002)  # long enough for the other worker to try the same job
        record(db.session, action="job_mark", object_type="jobs", object_id=payload["n"],
               tenant_id=None)
        if fail:
            raise RuntimeError("the handler broke")

    return build_registry([JobKind("mark", mark)])


def _in_context(app, fn):
    def run():
        with app.app_context():
            try:
                fn()
            finally:
                db.session.remove()
    return run


def test_two_workers_run_each_of_fifty_jobs_exactly_once(ctx):
    for n in range(50):
        queue.enqueue("mark", {"n": n})
    db.session.commit()
    counter, lock = collections.Counter(), threading.Lock()
    registry = _marking_registry(counter, lock)
    workers = [Worker(ctx, registry=registry, name=f"w{i}") for i in range(2)]
    ran: dict[str, int] = {}
    start = threading.Barrier(2)

    def work(worker):
        start.wait()
        ran[worker.name] = worker.run_pending()

    threads = [threading.Thread(target=_in_context(ctx, lambda w=w: work(w))) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert counter == collections.Counter(range(50)), "each job ran once"
    assert sum(ran.values()) == 50, ran
    marks = db.session.execute(select(JournalEntry.object_id, func.count()).where(
        JournalEntry.action == "job_mark").group_by(JournalEntry.object_id)).all()
    db.session.execute(delete(JournalEntry).where(JournalEntry.action == "job_mark"))
    db.session.commit()
    assert sorted(marks) == [(n, 1) for n in range(50)], "each job's work committed once"
    statuses = db.session.execute(select(Job.status, func.count()).group_by(Job.status)).all()
    assert statuses == [("done", 50)]


def test_a_job_whose_worker_died_is_taken_over_when_its_lease_expires(ctx):
    job = queue.enqueue("mark", {"n": 1})
    db.session.commit()
    assert queue.claim(job.id, "dead-worker", utcnow(), lease_seconds=60)
    # the worker died; its lease ran out a while ago
    db.session.execute(update(Job).where(Job.id == job.id).values(
        lease_expires_at=utcnow() - dt.timedelta(minutes=4)))
    db.session.commit()
    counter = collections.Counter()
    alive = Worker(ctx, registry=_marking_registry(counter, threading.Lock()), name="alive")
    assert alive.run_pending() == 1
    row = db.session.get(Job, job.id)
    db.session.refresh(row)
    assert counter[1] == 1 and row.status == "done" and row.attempts == 2
    assert row.lease_owner is None


def test_a_live_lease_is_not_taken(ctx):
    job = queue.enqueue("mark", {"n": 2})
    db.session.commit()
    assert queue.claim(job.id, "busy-worker", utcnow(), lease_seconds=600)
    other = Worker(ctx, registry=_marking_registry(collections.Counter(), threading.Lock()))
    assert other.run_pending() == 0


def test_a_worker_that_lost_its_lease_undoes_its_work(ctx):
    job = queue.enqueue("mark", {"n": 3})
    db.session.commit()
    stalled = {}

    def slow(payload):
        record(db.session, action="job_mark", object_type="jobs", object_id=99, tenant_id=None)
        # meanwhile the lease ran out and another worker took the job over
        db.session.execute(queue._mine(job.id, stalled["owner"]).values(lease_owner="thief"))

    worker = Worker(ctx, registry=build_registry([JobKind("mark", slow)]), name="slow")
    stalled["owner"] = worker.name
    worker.run_pending()
    assert db.session.execute(select(func.count()).select_from(JournalEntry).where(
        JournalEntry.object_id == 99, JournalEntry.action == "job_mark")).scalar_one() == 0


def test_a_failing_job_is_retried_then_marked_failed_with_its_error(ctx):
    job = queue.enqueue("mark", {"n": 4})
    db.session.commit()
    counter = collections.Counter()
    worker = Worker(ctx, registry=_marking_registry(counter, threading.Lock(), fail=True))
    worker.max_attempts = 3
    worker.run_pending()
    row = db.session.get(Job, job.id)
    db.session.refresh(row)
    assert counter[4] == 3, "tried JOB_MAX_ATTEMPTS times"
    assert row.status == "failed" and row.attempts == 3
    assert "RuntimeError: the handler broke" in row.last_error
    assert db.session.execute(select(func.count()).select_from(JournalEntry).where(
        JournalEntry.object_id == 4, JournalEntry.action == "job_mark")).scalar_one() == 0, \
        "a failed attempt's writes are rolled back"


def test_retries_back_off(ctx):
    job = queue.enqueue("mark", {"n": 5})
    db.session.commit()
    worker = Worker(ctx, registry=_marking_registry(collections.Counter(), threading.Lock(),
                                                    fail=True))
    worker.retry_base_seconds = 30
    before = utcnow()
    assert worker.run_pending() == 1, "the retry waits; it is not run at once"
    row = db.session.get(Job, job.id)
    db.session.refresh(row)
    assert row.status == "pending" and row.run_at >= before + dt.timedelta(seconds=30)


def test_an_unknown_kind_fails_at_once(ctx):
    job = queue.enqueue("no-such-kind")
    db.session.commit()
    Worker(ctx, registry=build_registry([])).run_pending()
    row = db.session.get(Job, job.id)
    db.session.refresh(row)
    assert row.status == "failed" and row.attempts == 1 and "no handler" in row.last_error


def test_recurring_jobs_exist_once_and_come_back_after_their_interval(ctx):
    queue.ensure_recurring({"mark": 600})
    queue.ensure_recurring({"mark": 900})
    [job] = db.session.execute(select(Job).where(Job.unique_key == "mark")).scalars().all()
    assert job.interval_seconds == 900
    job.payload = {"n": 6}
    db.session.commit()
    counter = collections.Counter()
    Worker(ctx, registry=_marking_registry(counter, threading.Lock())).run_pending()
    db.session.refresh(job)
    assert counter[6] == 1 and job.status == "pending" and job.attempts == 0
    assert job.run_at > utcnow() + dt.timedelta(seconds=800)


def test_the_worker_loop_stops_when_told(ctx):
    stop = threading.Event()
    worker = Worker(ctx, registry=build_registry([]))
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    time.sleep(0.2)
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()


def test_the_service_registers_its_recurring_jobs(ctx):
    registry = build_registry()
    # Features add their own recurring jobs (JOB_MODULES); these must be among them.
    assert {"expire-numbers": 3600, "password-expiry-warnings": 3600, "cleanup": 3600,
            "tls-renewal": 86400}.items() <= dict(registry.intervals).items()
    with pytest.raises(ValueError, match="twice"):
        build_registry([JobKind("a", print), JobKind("a", print)])


def _run_service_job(app, kind: str) -> None:
    queue.enqueue(kind)
    db.session.commit()
    assert Worker(app).run_pending() >= 1
    failed = db.session.execute(select(Job.last_error).where(Job.status == "failed"))
    assert failed.scalars().all() == []


def test_numbers_past_their_termination_date_are_terminated_by_the_job(ctx):
    tenant = make_tenant()
    number = make_number(tenant, status=NumberStatus.PENDING_DEACTIVATION,
                         termination_date=utcnow().date() - dt.timedelta(days=1))
    employee = make_employee(tenant, number)
    _run_service_job(ctx, "expire-numbers")
    db.session.refresh(number)
    db.session.refresh(employee)
    assert number.status is NumberStatus.INACTIVE and employee.personal_number_id is None
    entry = db.session.execute(select(JournalEntry).where(
        JournalEntry.object_type == "phone_numbers", JournalEntry.object_id == number.id,
        JournalEntry.action == "update")).scalars().all()[-1]
    assert entry.actor == "job:expire-numbers" and entry.via == "job"


def test_password_expiry_is_warned_once_per_password(ctx):
    tenant = make_tenant(password_max_age_days=90)
    soon = make_account(Role.ADMIN, tenant,
                        password_changed_at=utcnow() - dt.timedelta(days=88))
    later = make_account(Role.ADMIN, tenant, password_changed_at=utcnow() - dt.timedelta(days=10))
    expired = make_account(Role.ADMIN, tenant,
                           password_changed_at=utcnow() - dt.timedelta(days=95))

    def warnings_for(account_id):
        return db.session.execute(select(JournalEntry).where(
            JournalEntry.action == "password_expiry_warning",
            JournalEntry.object_id == account_id)).scalars().all()

    _run_service_job(ctx, "password-expiry-warnings")
    _run_service_job(ctx, "password-expiry-warnings")
    [warning] = warnings_for(soon.id)
    assert warning.tenant_id == tenant.id and warning.actor == "job:password-expiry-warnings"
    assert warnings_for(later.id) == [] and warnings_for(expired.id) == []
    soon.password_changed_at = utcnow() - dt.timedelta(days=89)  # a new password, expiring too
    db.session.commit()
    _run_service_job(ctx, "password-expiry-warnings")
    assert len(warnings_for(soon.id)) == 2


def test_cleanup_drops_expired_tokens_and_stale_login_failures(ctx):
    account = make_account(Role.ADMIN)
    now = utcnow()
    db.session.add_all([
        ApiToken(account_id=account.id, token_hash="a" * 64,
                 expires_at=now - dt.timedelta(hours=1)),
        ApiToken(account_id=account.id, token_hash="b" * 64,
                 expires_at=now + dt.timedelta(hours=1)),
        AuthFailure(key="user:old", failures=3, window_start=now - dt.timedelta(days=1),
                    last_failure_at=now - dt.timedelta(days=1)),
        AuthFailure(key="user:locked", failures=12, window_start=now - dt.timedelta(days=1),
                    last_failure_at=now - dt.timedelta(days=1),
                    locked_until=now + dt.timedelta(minutes=5)),
        AuthFailure(key="user:recent", failures=1, window_start=now, last_failure_at=now),
    ])
    db.session.commit()
    _run_service_job(ctx, "cleanup")
    assert db.session.execute(select(ApiToken.token_hash).where(
        ApiToken.account_id == account.id)).scalars().all() == ["b" * 64]
    keys = set(db.session.execute(select(AuthFailure.key)).scalars())
    assert {"user:locked", "user:recent"} <= keys and "user:old" not in keys
