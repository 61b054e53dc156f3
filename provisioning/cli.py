"""The operators' command line: ``provisioning <command>``.

Flask-Migrate's ``db`` group (upgrade, downgrade, current, ...) comes with the app; the
service's own commands live in ``provisioning/commands/`` and are listed in COMMAND_MODULES.
Errors an operator can fix (missing secrets, a refused restore, a domain rule) end the command
with their message and exit status 1, never with a traceback.
"""

from __future__ import annotations

import importlib

import click
from flask.cli import FlaskGroup, ScriptInfo

COMMAND_MODULES: tuple[str, ...] = (
    "provisioning.demo.commands",
    "provisioning.commands.setup",
    "provisioning.commands.accounts",
    "provisioning.commands.journal",
    "provisioning.commands.backups",
    "provisioning.commands.worker",
    "provisioning.commands.serve",
    "provisioning.commands.render_store",
    "provisioning.sipcore.commands",
    "provisioning.commands.tftp",
    "provisioning.commands.discovery",
)


def _create_app():
    from provisioning import create_app

    return create_app()


def _operator_error(exc: Exception) -> click.ClickException | None:
    from provisioning.backup import BackupError
    from provisioning.errors import DomainError
    from provisioning.instance import InstanceError

    if isinstance(exc, InstanceError | BackupError):
        return click.ClickException(str(exc))
    if isinstance(exc, DomainError):
        fields = exc.details.get("fields") if isinstance(exc.details, dict) else None
        return click.ClickException(f"{exc.message} ({exc.error_id})"
                                    + (f": {fields}" if fields else ""))
    return None


class _Group(FlaskGroup):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except Exception as exc:
            mapped = _operator_error(exc)
            if mapped is None:
                raise
            raise mapped from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        # The help must work before the secrets exist: Flask loads the app to list its commands
        # and prints the traceback when that fails; ours do not need it.
        try:
            ctx.ensure_object(ScriptInfo).load_app()
        except Exception as exc:
            if _operator_error(exc) is None:
                raise
            self._load_plugin_commands()
            return sorted(self.commands)
        return super().list_commands(ctx)


@click.group(cls=_Group, create_app=_create_app, add_version_option=False,
             add_default_commands=False)
def main() -> None:
    """Provisioning service: set-up, tenants, operators, journal, backup and restore."""


for _name in COMMAND_MODULES:
    _module = importlib.import_module(_name)
    for _command in _module.COMMANDS:
        main.add_command(_command)
