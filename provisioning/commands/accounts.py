"""Tenants and accounts from the command line: the first tenant and operator of an instance."""

from __future__ import annotations

from typing import Any

import click
import marshmallow as ma

from provisioning.accounts import service as accounts
from provisioning.accounts.models import Role
from provisioning.accounts.schemas import AccountSchema
from provisioning.commands import app_command
from provisioning.crypto import generate_password
from provisioning.extensions import db
from provisioning.tenants import service as tenants
from provisioning.tenants.schemas import TenantSchema

# Letters and digits, 24 of them: about 142 bits, zxcvbn's top score under any tenant policy.
PASSWORD_LENGTH = 24


def _load(schema: ma.Schema, data: dict[str, Any]) -> dict[str, Any]:
    try:
        return schema.load({k: v for k, v in data.items() if v is not None})
    except ma.ValidationError as exc:
        problems = "; ".join(f"{field}: {' '.join(map(str, msgs))}"
                             for field, msgs in exc.normalized_messages().items())
        raise click.UsageError(problems) from None


def _create_account(username: str, role: Role, tenant_id: int | None, email: str | None) -> str:
    password = generate_password(PASSWORD_LENGTH)
    data = _load(AccountSchema(), {"username": username, "role": role.value, "email": email,
                                   "tenant_id": tenant_id, "password": password})
    accounts.create_account(data)
    return password


def _show_password(username: str, password: str) -> None:
    click.echo(f"Password for {username} (shown this once; hand it over safely):\n  {password}")


@click.group("tenant")
def tenant() -> None:
    """Tenants (customer companies)."""


@tenant.command("create")
@click.option("--name", required=True)
@click.option("--customer-number", required=True)
@click.option("--sip-domain", required=True)
@click.option("--superadmin", "superadmin", required=True, metavar="USERNAME",
              help="Username of the tenant's first superadmin; a password is generated.")
@click.option("--email", help="The superadmin's e-mail address.")
@app_command
def create_tenant(name: str, customer_number: str, sip_domain: str, superadmin: str,
                  email: str | None) -> None:
    """Create a tenant and its first superadmin."""
    data = _load(TenantSchema(), {"name": name, "customer_number": customer_number,
                                  "sip_domain": sip_domain})
    created = tenants.create_tenant(data)
    password = _create_account(superadmin, Role.SUPERADMIN, created.id, email)
    db.session.commit()
    click.echo(f"Created tenant {created.id} ({created.name}) with superadmin {superadmin}.")
    _show_password(superadmin, password)


@click.group("operator")
def operator() -> None:
    """Operator accounts (the platform's staff; they belong to no tenant)."""


@operator.command("create")
@click.argument("username")
@click.option("--email", help="The operator's e-mail address.")
@app_command
def create_operator(username: str, email: str | None) -> None:
    """Create an operator account with a generated password."""
    password = _create_account(username, Role.OPERATOR, None, email)
    db.session.commit()
    click.echo(f"Created operator {username}.")
    _show_password(username, password)


COMMANDS = [tenant, operator]
