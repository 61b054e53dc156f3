"""How the supervisor runs discovery: its own process, restarted when it dies, only on an
instance whose DISCOVERY_INTERFACES names LANs to serve (none by default)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from provisioning.discovery.interfaces import configured
from provisioning.server import _console_script
from provisioning.supervisor import ProcessSpec


def discovery_specs(config: Mapping[str, Any]) -> list[ProcessSpec]:
    if not configured(config.get("DISCOVERY_INTERFACES")):
        return []
    return [ProcessSpec(name="discovery", argv=[_console_script(), "discovery", "run"],
                        stop_timeout=10.0)]
