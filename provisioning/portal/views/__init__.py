"""The portal's pages, one module per area; importing them attaches their routes to ``bp``."""

from __future__ import annotations

import importlib

MODULES = ("auth", "self_service", "dashboard", "employees", "devices", "device_keys",
           "numbers", "unrecognised", "journal", "tenant", "accounts", "operator",
           "reset", "progress", "contacts")


def load() -> None:
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}")
