"""Who is acting: set per request, CLI command or job, read by the journal and the services."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    label: str
    via: str  # "api", "cli", "job", "portal", "phone", "system"
    account_id: int | None = None
    role: str | None = None
    tenant_id: int | None = None

    @property
    def is_operator(self) -> bool:
        return self.role == "operator"


SYSTEM = Actor(label="system", via="system")
_actor: ContextVar[Actor] = ContextVar("actor", default=SYSTEM)


def current_actor() -> Actor:
    return _actor.get()


def set_actor(actor: Actor):
    return _actor.set(actor)


def reset_actor(token) -> None:
    _actor.reset(token)


@contextlib.contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)
