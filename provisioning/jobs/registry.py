"""Which function runs a job of which kind; built once when a worker starts.

Each module in JOB_MODULES exposes ``JOBS``, a list of ``JobKind``. A kind with an interval is
recurring: the worker makes sure its row exists. A kind listed twice is refused, so two features
cannot silently fight over one name.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

JOB_MODULES: tuple[str, ...] = (
    "provisioning.jobs.handlers",
    "provisioning.phones.jobs",
    "provisioning.tls.jobs",
    "provisioning.sipcore.resync",
    "provisioning.portal.work",
)

Handler = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class JobKind:
    kind: str
    run: Handler
    interval_seconds: int | None = None  # recurring when set


@dataclass(frozen=True)
class Registry:
    handlers: Mapping[str, Handler]
    intervals: Mapping[str, int]


def build_registry(kinds: Iterable[JobKind] | None = None) -> Registry:
    if kinds is None:
        kinds = [k for name in JOB_MODULES for k in importlib.import_module(name).JOBS]
    handlers: dict[str, Handler] = {}
    intervals: dict[str, int] = {}
    for job_kind in kinds:
        if job_kind.kind in handlers:
            raise ValueError(f"job kind {job_kind.kind!r} is registered twice")
        handlers[job_kind.kind] = job_kind.run
        if job_kind.interval_seconds:
            intervals[job_kind.kind] = job_kind.interval_seconds
    return Registry(MappingProxyType(handlers), MappingProxyType(intervals))
