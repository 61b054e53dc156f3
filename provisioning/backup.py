"""Backup and restore: the database together with the keys it cannot be read without.

A backup is one .tar.gz (mode 0600):
    manifest.json          format, format version, Alembic revision, created_at, the tables
    secrets/..., ca/...    the instance's keys (encryption keys, URL key) and its CA, with modes
    tables/<table>.jsonl   one JSON object per row, tables in foreign-key order

Rows go through SQLAlchemy core with the tables reflected from the database itself, so a backup
is independent of the database kind (SQLite -> PostgreSQL and back) and of the code's models:
restore builds the schema of the backup's revision, loads the rows, then migrates to head.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import io
import json
import os
import tarfile
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import upgrade

from provisioning.common.models import utcnow
from provisioning.extensions import db
from provisioning.instance import (
    BACKED_UP_DIRS,
    has_secrets,
    read_secret_files,
    remove_secret_files,
    write_secret_files,
)
from provisioning.journal.recorder import record

FORMAT = "provisioning-backup"
FORMAT_VERSION = 1
REQUIRED_SECRETS = ("secrets/encryption-keys", "secrets/url-key")
BATCH = 500


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why and what to do."""


def _dump_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        # Everything is stored in UTC; SQLite hands it back without a zone.
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _load_value(value: Any, type_: sa.types.TypeEngine) -> Any:
    if value is None:
        return None
    if isinstance(type_, sa.DateTime):
        parsed = dt.datetime.fromisoformat(value)
        return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)
    if isinstance(type_, sa.Date):
        return dt.date.fromisoformat(value)
    if isinstance(type_, sa.Time):
        return dt.time.fromisoformat(value)
    if isinstance(type_, sa.LargeBinary):
        return base64.b64decode(value)
    if isinstance(type_, sa.Numeric) and not isinstance(type_, sa.Float):
        return decimal.Decimal(value)
    return value


def _user_tables(connection: sa.Connection) -> list[sa.Table]:
    meta = sa.MetaData()
    meta.reflect(connection)
    return [t for t in meta.sorted_tables if t.name != "alembic_version"]


def _add(tar: tarfile.TarFile, name: str, data: IO[bytes], size: int, mode: int = 0o600) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, mode, int(utcnow().timestamp())
    tar.addfile(info, data)


def _dump_table(connection: sa.Connection, table: sa.Table) -> tuple[io.BytesIO, int]:
    # Spooled in memory per table; a tenant fleet's tables are megabytes, not gigabytes.
    buffer, rows = io.BytesIO(), 0
    stmt = sa.select(table).order_by(*table.primary_key.columns)
    for row in connection.execute(stmt.execution_options(yield_per=1000)):
        record = {key: _dump_value(value) for key, value in row._mapping.items()}
        buffer.write(json.dumps(record, separators=(",", ":"), sort_keys=True).encode() + b"\n")
        rows += 1
    buffer.seek(0)
    return buffer, rows


def write_backup(target: str | Path) -> dict[str, Any]:
    """Write the backup file (inside an application context); returns its manifest."""
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} already exists; name a new file")
    secrets = read_secret_files(current_app.instance_path)
    partial = target.with_name(target.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            manifest = _dump_database(tar)
            for name, (data, mode) in secrets.items():
                _add(tar, name, io.BytesIO(data), len(data), mode)
            blob = json.dumps(manifest, indent=2).encode()
            _add(tar, "manifest.json", io.BytesIO(blob), len(blob))
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


def _dump_database(tar: tarfile.TarFile) -> dict[str, Any]:
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # One snapshot for every table, while the service keeps writing.
            connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            revision = MigrationContext.configure(connection).get_current_revision()
            if revision is None:
                raise BackupError("The database has no schema yet (run `provisioning init`)")
            tables = []
            for table in _user_tables(connection):
                data, rows = _dump_table(connection, table)
                _add(tar, f"tables/{table.name}.jsonl", data, data.getbuffer().nbytes)
                tables.append({"name": table.name, "rows": rows,
                               "columns": [c.name for c in table.columns]})
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "alembic_revision": revision,
            "created_at": utcnow().isoformat(), "source_dialect": db.engine.dialect.name,
            "tables": tables}


def _member(tar: tarfile.TarFile, name: str) -> bytes:
    try:
        member = tar.getmember(name)
    except KeyError:
        raise BackupError(f"the backup lacks {name}; it is damaged or not a backup") from None
    handle = tar.extractfile(member) if member.isfile() else None
    if handle is None:
        raise BackupError(f"{name} in the backup is not a file")
    return handle.read()


def read_backup(
    archive: str | Path,
) -> tuple[dict[str, Any], dict[str, tuple[bytes, int]], tarfile.TarFile]:
    """The manifest, the secrets and the open archive (members are read by name, never
    extracted, so a crafted archive cannot write anywhere)."""
    try:
        tar = tarfile.open(archive, "r:gz")  # noqa: SIM115 - handed to the caller, who closes it
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"cannot read {archive}: {exc}") from exc
    try:
        manifest = json.loads(_member(tar, "manifest.json"))
        if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
            raise BackupError(f"{archive} is not a backup of format {FORMAT} {FORMAT_VERSION}")
        secrets = {m.name: (_member(tar, m.name), m.mode) for m in tar.getmembers()
                   if m.name.split("/", 1)[0] in BACKED_UP_DIRS and m.isfile()}
        missing = [name for name in REQUIRED_SECRETS if name not in secrets]
        if missing:
            raise BackupError(f"the backup lacks {', '.join(missing)}")
    except BaseException:
        tar.close()
        raise
    return manifest, secrets, tar


def restore_backup(archive: str | Path, instance_path: str | Path,
                   config: dict[str, Any] | None = None) -> dict[str, Any]:
    """Restore into an instance folder without secrets and an empty database (the one the
    configuration names). On failure the secrets written are removed again."""
    from provisioning import create_app

    manifest, secrets, tar = read_backup(archive)
    with tar:
        if has_secrets(instance_path):
            raise BackupError(f"The instance folder {instance_path} already holds secrets; "
                              "restore into a new, empty instance folder")
        written = write_secret_files(instance_path, secrets)
        try:
            app = create_app({**(config or {}), "INSTANCE_PATH": str(instance_path)})
            try:
                with app.app_context():
                    _restore_database(tar, manifest)
            finally:
                with app.app_context():
                    db.session.remove()
                    db.engine.dispose()
        except BaseException:
            remove_secret_files(written)
            raise
    return manifest


def _restore_database(tar: tarfile.TarFile, manifest: dict[str, Any]) -> None:
    revision = manifest["alembic_revision"]
    scripts = ScriptDirectory(current_app.extensions["migrate"].directory)
    try:
        scripts.get_revision(revision)
    except Exception as exc:  # noqa: BLE001 - alembic raises several kinds for an unknown id
        raise BackupError(f"The backup is at database revision {revision}, which this version "
                          "does not know: restore with the version that made it, or a newer one"
                          ) from exc
    with db.engine.connect() as connection:
        present = sa.inspect(connection).get_table_names()
    if present:
        raise BackupError(f"The database {db.engine.url.render_as_string(hide_password=True)} is "
                          f"not empty (tables: {', '.join(sorted(present)[:5])}...); restore into "
                          "a new, empty database")
    upgrade(revision=revision)
    with db.engine.begin() as connection:
        tables = {t.name: t for t in _user_tables(connection)}
        for entry in manifest["tables"]:
            table = tables.get(entry["name"])
            if table is None:
                raise BackupError(
                    f"table {entry['name']} of the backup is not in revision {revision}")
            _load_table(connection, table, _member(tar, f"tables/{table.name}.jsonl"))
        if connection.dialect.name == "postgresql":
            _reset_sequences(connection, tables.values())
    upgrade()
    record(db.session, action="restore", object_type="instance", object_id=None, tenant_id=None,
           changes={"backup_created_at": manifest["created_at"], "revision": revision})
    db.session.commit()


def _load_table(connection: sa.Connection, table: sa.Table, data: bytes) -> None:
    types = {c.name: c.type for c in table.columns}
    batch: list[dict[str, Any]] = []
    for line in data.splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        unknown = set(row) - set(types)
        if unknown:
            raise BackupError(f"{table.name} has no columns {sorted(unknown)}")
        batch.append({key: _load_value(value, types[key]) for key, value in row.items()})
        if len(batch) >= BATCH:
            connection.execute(sa.insert(table), batch)
            batch = []
    if batch:
        connection.execute(sa.insert(table), batch)


def _reset_sequences(connection: sa.Connection, tables) -> None:
    """Rows came with their ids: move each serial sequence past the largest one."""
    quote = connection.dialect.identifier_preparer.quote
    for table in tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, sa.Integer):
            continue
        column = pk[0].name
        sequence = connection.execute(sa.text("SELECT pg_get_serial_sequence(:t, :c)"),
                                      {"t": quote(table.name), "c": column}).scalar()
        if sequence is None:
            continue
        top = f"MAX({quote(column)})"
        connection.execute(sa.text(
            f"SELECT setval(:s, COALESCE({top}, 1), {top} IS NOT NULL) FROM {quote(table.name)}"  # noqa: S608 - quoted identifiers
        ), {"s": sequence})
