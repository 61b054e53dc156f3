"""Kamailio as one of the supervisor's processes: in the foreground, logging to stderr.

``prepare`` writes the configuration and makes sure Kamailio's database has its schema; the
supervisor then runs ``kamailio -DD -E`` (no daemonizing, so a crash is seen and the process
restarted) and stops it with SIGTERM to its process group (it takes 1-4 s to end).
"""

from __future__ import annotations

from pbx.kamailio.config import write_configs
from pbx.kamailio.schema import ensure_schema
from pbx.kamailio.settings import KamailioSettings
from provisioning.supervisor import ProcessSpec


def prepare(settings: KamailioSettings) -> list[str]:
    """Write kamailio.cfg (and tls.cfg); create or upgrade the database. Returns the schema
    modules that were (re)created."""
    created = ensure_schema(settings.db_url)
    write_configs(settings)
    return created


def kamailio_argv(settings: KamailioSettings) -> list[str]:
    return [
        settings.binary, "-DD", "-E",
        "-f", str(settings.config_path),
        "-m", str(settings.shm_mb), "-M", str(settings.pkg_mb),
        "-Y", str(settings.run_dir), "-P", str(settings.pid_file),
    ]


def kamailio_spec(settings: KamailioSettings) -> ProcessSpec:
    return ProcessSpec(name="sip", argv=kamailio_argv(settings), stop_timeout=10.0)


def check_config(settings: KamailioSettings) -> tuple[bool, str]:
    """``kamailio -c``: does the rendered configuration parse and load its modules?"""
    import subprocess

    argv = [settings.binary, "-c", "-f", str(settings.config_path)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    return done.returncode == 0, done.stderr
