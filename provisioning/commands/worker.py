"""The job worker in the foreground."""

from __future__ import annotations

import signal
import threading

import click
from flask import current_app

from provisioning.commands import app_command
from provisioning.jobs.worker import Worker
from provisioning.phones.keeper import run_keeper


@click.command("worker")
@app_command
def worker() -> None:
    """Run the job worker until SIGTERM or SIGINT (the current job is finished first).

    Run as many as you like, on as many hosts as you like: each job runs once."""
    stop = threading.Event()

    def _stop(signum, _frame) -> None:
        click.echo(f"{signal.Signals(signum).name}: stopping after the current job", err=True)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    # The render store is per instance: this worker keeps its instance's store in step.
    keeper = threading.Thread(target=run_keeper, args=(app, stop), name="render-keeper",
                              daemon=True)
    keeper.start()
    Worker(app).run(stop)
    keeper.join(timeout=10)


COMMANDS = [worker]
