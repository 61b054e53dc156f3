"""Kamailio's own database, built from the schema files Debian's packages ship.

Kamailio gets a database of its own (a SQLite file; on PostgreSQL a database beside the
service's on the same server): db_sqlite has no busy timeout, so Kamailio must never meet the
service's writes in one file, and a Kamailio upgrade brings its schema in its own files. A
module whose table versions differ from the shipped files is dropped and created again: every row
in there is either the service's (subscribers, domains: written back by reconcile) or transient
(registrations, which phones renew).
"""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa

MODULES = ("standard", "auth_db", "usrloc", "presence", "domain")
SCHEMA_DIRS = {"sqlite": Path("/usr/share/kamailio/db_sqlite"),
               "postgresql": Path("/usr/share/kamailio/postgres")}
_VERSION = re.compile(
    r"INSERT INTO version \(table_name, table_version\) values \('(\w+)','(\d+)'\)", re.I)


def backend_of(url: str) -> str:
    return "postgresql" if url.startswith("postgres") else "sqlite"


def sqlite_path(url: str) -> Path | None:
    if backend_of(url) != "sqlite":
        return None
    database = sa.make_url(url).database
    return Path(database) if database else None


def kamailio_url(url: str) -> str:
    """The SQLAlchemy URL as Kamailio's db modules write it."""
    parsed = sa.make_url(url)
    if backend_of(url) == "sqlite":
        return f"sqlite://{Path(parsed.database or '').resolve()}"
    auth = parsed.username or ""
    if parsed.password:
        auth += f":{parsed.password}"
    host = parsed.host or "127.0.0.1"
    port = f":{parsed.port}" if parsed.port else ""
    return f"postgres://{auth}{'@' if auth else ''}{host}{port}/{parsed.database}"


def derive_url(service_url: str, instance_path: str | Path) -> str:
    """Kamailio's database beside the service's: <instance>/kamailio/kamailio.sqlite, or the
    PostgreSQL database '<service database>_kamailio' on the same server."""
    if backend_of(service_url) == "sqlite":
        return f"sqlite:///{Path(instance_path).resolve() / 'kamailio' / 'kamailio.sqlite'}"
    parsed = sa.make_url(service_url)
    return parsed.set(drivername="postgresql+psycopg",
                      database=f"{parsed.database}_kamailio").render_as_string(
                          hide_password=False)


def engine_for(url: str) -> sa.Engine:
    if backend_of(url) == "sqlite":
        # Short writes that wait for Kamailio's flushes instead of failing at once.
        return sa.create_engine(url, connect_args={"timeout": 5}, poolclass=sa.pool.NullPool)
    parsed = sa.make_url(url).set(drivername="postgresql+psycopg")
    return sa.create_engine(parsed, pool_pre_ping=True, pool_size=2, max_overflow=2,
                            connect_args={"connect_timeout": 5})


def shipped_versions(backend: str, module: str) -> dict[str, int]:
    text = (SCHEMA_DIRS[backend] / f"{module}-create.sql").read_text()
    return {table: int(version) for table, version in _VERSION.findall(text)}


def _create_database(url: str) -> None:
    """PostgreSQL: create the database when missing (the service's role needs CREATEDB)."""
    parsed = sa.make_url(url).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT",
                             poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                  {"n": parsed.database}).first()
            if not exists:
                conn.exec_driver_sql(f'CREATE DATABASE "{parsed.database}"')
    finally:
        admin.dispose()


def ensure_schema(url: str) -> list[str]:
    """Create the database and the tables of MODULES; returns the modules (re)created."""
    backend = backend_of(url)
    if backend == "sqlite":
        path = sqlite_path(url)
        assert path is not None
        path.parent.mkdir(parents=True, exist_ok=True)
    else:
        _create_database(url)
    engine = engine_for(url)
    try:
        return _ensure_tables(engine, backend)
    finally:
        engine.dispose()


def _ensure_tables(engine: sa.Engine, backend: str) -> list[str]:
    done: list[str] = []
    with engine.begin() as conn:
        if backend == "sqlite":
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")  # stays with the file
        inspector = sa.inspect(conn)
        if not inspector.has_table("version"):
            _run_script(conn, backend, "standard")
            done.append("standard")
        present: dict[str, int] = dict(conn.execute(
            sa.text("SELECT table_name, table_version FROM version")).all())
        for module in MODULES[1:]:
            wanted = shipped_versions(backend, module)
            if all(present.get(t) == v for t, v in wanted.items()):
                continue
            for table in wanted:
                conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{table}"')
            conn.execute(sa.text("DELETE FROM version WHERE table_name IN :t").bindparams(
                sa.bindparam("t", expanding=True)), {"t": list(wanted)})
            _run_script(conn, backend, module)
            done.append(module)
    return done


def _run_script(conn: sa.Connection, backend: str, module: str) -> None:
    script = (SCHEMA_DIRS[backend] / f"{module}-create.sql").read_text()
    raw = conn.connection.dbapi_connection
    if backend == "sqlite":
        # executescript would COMMIT first; statement by statement stays in our transaction
        for statement in _statements(script):
            raw.execute(statement)  # type: ignore[union-attr]
    else:
        with raw.cursor() as cursor:  # type: ignore[union-attr]
            cursor.execute(script)  # psycopg runs a parameterless multi-statement script


def _statements(script: str) -> list[str]:
    # The shipped files hold plain DDL and INSERTs, one per ';'-terminated statement.
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
