"""How the supervisor runs the TFTP server: its own process, restarted when it dies."""

from __future__ import annotations

from provisioning.server import _console_script
from provisioning.supervisor import ProcessSpec


def tftp_spec() -> ProcessSpec:
    # A crash of tftpy's loop is a restart, not an outage (security-reliability.md A3).
    return ProcessSpec(name="tftp", argv=[_console_script(), "tftp"], stop_timeout=10.0)
