"""The operators' command line: ``provisioning <command>``.

Flask-Migrate's ``db`` group (upgrade, downgrade, current, ...) comes with the app; the
service's own commands live in ``provisioning/commands/`` and are listed in COMMAND_MODULES.
"""

from __future__ import annotations

import importlib

import click
from flask.cli import FlaskGroup

COMMAND_MODULES: tuple[str, ...] = (
    "provisioning.demo.commands",
)


def _create_app():
    from provisioning import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False,
             add_default_commands=False)
def main() -> None:
    """Provisioning service: set-up, tenants, operators, journal, backup and restore."""


for _name in COMMAND_MODULES:
    _module = importlib.import_module(_name)
    for _command in _module.COMMANDS:
        main.add_command(_command)
