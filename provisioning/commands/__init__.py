"""The operators' commands. Each module lists its click commands in ``COMMANDS``; ``cli.py``
registers the modules named in its COMMAND_MODULES.

Commands that need the application take it from Flask's ScriptInfo (``create_app()`` with the
environment's configuration) through ``app_command``, which also makes the command act as
``cli:<os user>`` (an operator) so the journal says who did it. Commands that create the secrets
(``init-instance``, ``restore``) do not load the application first: in production it refuses to
start without them.
"""

from __future__ import annotations

import functools
import getpass
import os
from collections.abc import Callable
from typing import Any

import click
from flask.cli import ScriptInfo

from provisioning.context import Actor, acting_as
from provisioning.extensions import db


def os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no name for this uid (containers)
        return f"uid{os.getuid()}"


def cli_actor() -> Actor:
    return Actor(label=f"cli:{os_user()}", via="cli", role="operator")


def app_command(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run the command inside the application's context, acting as the CLI's operator; the
    command commits its own work. Connections are closed afterwards (tests run commands
    in-process)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        app = click.get_current_context().ensure_object(ScriptInfo).load_app()
        with app.app_context(), acting_as(cli_actor()):
            try:
                return fn(*args, **kwargs)
            finally:
                db.session.remove()
                db.engine.dispose()

    return wrapper
