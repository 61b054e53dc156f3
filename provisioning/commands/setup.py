"""Setting an instance up: its secrets, its schema, and rotating its encryption key."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import ScriptInfo
from flask_migrate import upgrade

from provisioning import default_instance_path
from provisioning.commands import app_command
from provisioning.crypto import SecretBox, reencrypt_all
from provisioning.extensions import db
from provisioning.instance import (
    add_encryption_key,
    create_secrets,
    load_secrets,
    secrets_dir,
    write_encryption_keys,
)
from provisioning.journal.recorder import record


def _init_instance() -> None:
    path = default_instance_path()
    if create_secrets(path):
        click.echo(f"Created the instance secrets in {secrets_dir(path)} (mode 0700). Back them "
                   "up with the database: `provisioning backup FILE` writes both.")
    else:
        click.echo(f"{secrets_dir(path)} already holds the secrets; nothing changed.")


@click.command("init-instance")
def init_instance() -> None:
    """Create the instance folder and its secrets (PROVISIONING_INSTANCE, default ./instance).

    Existing secrets are kept. This is how a production instance gets its keys."""
    _init_instance()


@click.command("init")
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the secrets if missing, then create or upgrade the database schema."""
    _init_instance()
    app = ctx.ensure_object(ScriptInfo).load_app()
    with app.app_context():
        try:
            upgrade()
            click.echo("The database schema is up to date.")
        finally:
            db.session.remove()
            db.engine.dispose()


@click.command("rotate-key")
@click.option("--keep-old", is_flag=True,
              help="Keep the old keys after re-encrypting (they still decrypt).")
@app_command
def rotate_key(keep_old: bool) -> None:
    """Encrypt every stored secret with a new key.

    The new key goes in front of the key file, every encrypted value is re-encrypted in one
    transaction, then the old keys are dropped (unless --keep-old). Restart the service and the
    workers afterwards: running processes know only the keys they started with."""
    path = current_app.instance_path
    old = load_secrets(path)
    new_key = add_encryption_key(path)
    box = SecretBox((new_key, *old.encryption_keys), old.url_key)
    count = reencrypt_all(db.session.connection(), db.metadata, box)
    record(db.session, action="rotate_key", object_type="instance", object_id=None,
           tenant_id=None, changes={"reencrypted": count, "old_keys_kept": keep_old})
    db.session.commit()
    if not keep_old:
        write_encryption_keys(path, [new_key])
    click.echo(f"Re-encrypted {count} secrets with a new key; "
               + ("the old keys were kept." if keep_old else "the old keys were dropped.")
               + " Restart the service and the workers now.")


COMMANDS = [init_instance, init, rotate_key]
