"""Reading the change journal from the command line."""

from __future__ import annotations

import datetime as dt
import json

import click

from provisioning.commands import app_command
from provisioning.extensions import db
from provisioning.journal import service
from provisioning.journal.schemas import JournalEntrySchema


class _IsoTime(click.ParamType):
    name = "ISO-TIME"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.datetime):
            return value
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 date or time", param, ctx)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


@click.command("journal")
@click.option("--tenant-id", type=int, help="Only this tenant's entries.")
@click.option("--object-type", help="Only this kind of object (tenants, accounts, ...).")
@click.option("--object-id", type=int)
@click.option("--actor", help="Only what this actor did (a username, cli:<user>, job:<kind>).")
@click.option("--action", help="create, update, delete, or an event such as rotate_key.")
@click.option("--since", type=_IsoTime(), help="From this time on (UTC unless a zone is given).")
@click.option("--until", type=_IsoTime(), help="Before this time.")
@click.option("--limit", type=click.IntRange(1, 100000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@app_command
def journal(as_json: bool, limit: int, **filters) -> None:
    """Show the change journal, newest first."""
    stmt = service.journal_entries(filters).limit(limit)
    entries = db.session.execute(stmt).scalars().all()
    schema = JournalEntrySchema()
    for entry in entries:
        if as_json:
            click.echo(json.dumps(schema.dump(entry), sort_keys=True))
        else:
            changes = json.dumps(entry.changes or {}, sort_keys=True)
            click.echo(f"{entry.at:%Y-%m-%d %H:%M:%S}Z  {entry.actor:<20} {entry.via:<6} "
                       f"{entry.action:<10} {entry.object_type}:{entry.object_id or '-'}  "
                       f"tenant={entry.tenant_id or '-'}  {_shorten(changes)}")
    if not entries and not as_json:
        click.echo("No journal entries match.")


def _shorten(text: str, width: int = 120) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


COMMANDS = [journal]
