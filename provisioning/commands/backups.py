"""Backup and restore from the command line (see ``provisioning/backup.py`` for the format)."""

from __future__ import annotations

from pathlib import Path

import click

from provisioning import default_instance_path
from provisioning.backup import restore_backup, write_backup
from provisioning.commands import app_command, cli_actor
from provisioning.context import acting_as
from provisioning.extensions import db
from provisioning.journal.recorder import record


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@app_command
def backup(file: Path) -> None:
    """Write the database and the instance secrets into FILE (.tar.gz, mode 0600).

    The file holds the keys that decrypt the stored secrets: keep it as safe as the server."""
    manifest = write_backup(file)
    record(db.session, action="backup", object_type="instance", object_id=None, tenant_id=None,
           changes={"file": file.name, "revision": manifest["alembic_revision"]})
    db.session.commit()
    rows = sum(t["rows"] for t in manifest["tables"])
    click.echo(f"Wrote {file}: {rows} rows in {len(manifest['tables'])} tables, "
               f"revision {manifest['alembic_revision']}, with the instance secrets.")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore(file: Path) -> None:
    """Restore FILE into an empty instance folder and an empty database.

    The instance folder is PROVISIONING_INSTANCE (default ./instance), the database DATABASE_URL
    (default the SQLite file in the instance folder). Both must be new: nothing is overwritten."""
    instance = default_instance_path()
    with acting_as(cli_actor()):
        manifest = restore_backup(file, instance)
    click.echo(f"Restored the backup of {manifest['created_at']} (revision "
               f"{manifest['alembic_revision']}) into {instance}; the schema is now up to date.")


COMMANDS = [backup, restore]
