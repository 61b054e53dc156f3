"""Engine set-up per database, and one transaction per request."""

from __future__ import annotations

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from provisioning.errors import Conflict, PreconditionFailed
from provisioning.extensions import db

READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def sqlite_tuning(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL (readers never wait for the writer), a busy timeout (several workers write), foreign
    keys on, and transactions that pysqlite would otherwise begin too late for SAVEPOINTs.

    A transaction that may write starts with BEGIN IMMEDIATE: it takes the write lock up front
    and waits for it (busy timeout), whereas a deferred transaction that read first fails at
    once with "database is locked" when it tries to write after another worker committed.
    Only reading requests (GET, HEAD, OPTIONS) begin deferred, so readers never queue."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        reading = has_request_context() and request.method in READING_METHODS
        conn.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def init_app(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    db.init_app(app)
    if uri.startswith("sqlite"):
        with app.app_context():
            sqlite_tuning(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])

    @app.after_request
    def _commit(response):
        # The request's one transaction: committed when the answer is a success, else dropped.
        if response.status_code >= 400:
            db.session.rollback()
            return response
        try:
            db.session.commit()
        except StaleDataError:
            db.session.rollback()
            return app.handle_user_exception(PreconditionFailed(
                "The object was changed by someone else meanwhile; fetch it again and retry"))
        except IntegrityError as exc:
            db.session.rollback()
            return app.handle_user_exception(Conflict(_integrity_message(exc)))
        return response

    app.register_error_handler(StaleDataError, lambda e: app.handle_user_exception(
        PreconditionFailed("The object was changed by someone else meanwhile; fetch it again")))
    app.register_error_handler(IntegrityError, lambda e: (
        db.session.rollback(), app.handle_user_exception(Conflict(_integrity_message(e))))[1])


def _integrity_message(exc: IntegrityError) -> str:
    text = str(exc.orig).lower()
    if "unique" in text or "duplicate" in text:
        return "An object with this value already exists"
    if "foreign key" in text:
        return "A referenced object does not exist or is still in use"
    return "The change conflicts with stored data"
