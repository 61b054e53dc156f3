"""nginx for the phones: its configuration from ``templates/nginx/phones.conf.j2``, the check
before start, the supervisor's process, and the reload that makes it read a new certificate.

nginx runs in the foreground under the service's supervisor with every path (pid, temp folders,
error log) in ``<instance>/run``, so it needs no root and no file of the Debian package's.
SIGTERM (the supervisor's stop) is nginx's fast shutdown, SIGQUIT its graceful one, SIGHUP
re-reads the configuration and certificates without dropping connections.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import pwd
import shutil
import signal
import subprocess
from pathlib import Path

import jinja2

from provisioning import REPO_ROOT
from provisioning.supervisor import ProcessSpec

CONFIG_FILE = "nginx.conf"
PID_FILE = "nginx.pid"
ERROR_LOG = "nginx-error.log"
_TEMPLATES = REPO_ROOT / "templates" / "nginx"


class NginxError(RuntimeError):
    """nginx is missing or refuses the configuration; the message carries its words."""


@dataclasses.dataclass(frozen=True)
class Listener:
    address: str  # as nginx's listen takes it: 127.0.0.1:8443, [::1]:8443
    tls: bool


@dataclasses.dataclass(frozen=True)
class NginxConfig:
    run_dir: Path
    listeners: tuple[Listener, ...]
    upstream: str  # host:port of the web server
    proxy_source: str  # the address nginx connects to the web server from
    cert_file: Path
    key_file: Path
    client_ca_file: Path | None = None
    workers: int | str = 2


def listen_address(host: str, port: int) -> str:
    try:
        if ipaddress.ip_address(host).version == 6:
            return f"[{host}]:{int(port)}"
    except ValueError:
        pass  # a host name: nginx resolves it once at start
    return f"{host}:{int(port)}"


def render_config(config: NginxConfig) -> str:
    # Not HTML: no autoescape. Values are numbers, addresses and paths checked below.
    env = jinja2.Environment(  # noqa: S701
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    for path in (config.run_dir, config.cert_file, config.key_file, config.client_ca_file):
        # A path is written unquoted into the file: refuse what would end or split a directive.
        if path is not None and any(c in str(path) for c in ' ;{}"\'\\#$\n\t'):
            raise NginxError(f"{path}: nginx paths here may not contain spaces or ;{{}}\"'#$")
    user = pwd.getpwuid(os.geteuid()).pw_name if os.geteuid() == 0 else None
    values = {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}
    return env.get_template("phones.conf.j2").render(**values, user=user)


def write_config(config: NginxConfig) -> Path:
    path = config.run_dir / CONFIG_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(render_config(config))
    os.replace(tmp, path)
    return path


def nginx_binary(name: str = "nginx") -> str:
    """The nginx executable; Debian puts it in /usr/sbin, which a user's PATH may lack."""
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    found = shutil.which(name, path=search)
    if not found:
        raise NginxError(
            f"{name} not found: install Debian's nginx (tools/setup-system run) or set"
            " PROVISIONING_NGINX_BINARY")
    return found


def base_argv(binary: str, config_file: Path) -> list[str]:
    run = config_file.parent
    # -e: the log nginx writes to before it has read error_log (its built-in one needs root).
    return [binary, "-p", f"{run}/", "-c", str(config_file), "-e", str(run / ERROR_LOG)]


def check_config(binary: str, config_file: Path) -> None:
    """``nginx -t``: the configuration parses, the certificate and key load, paths are usable."""
    result = subprocess.run(
        [*base_argv(binary, config_file), "-q", "-t"], capture_output=True, text=True, timeout=30
    )
    if result.returncode != 0:
        raise NginxError(f"nginx refuses {config_file}:\n{result.stderr.strip()}")


def nginx_spec(binary: str, config_file: Path) -> ProcessSpec:
    # The supervisor stops with SIGTERM: nginx's fast shutdown, done well within the timeout.
    return ProcessSpec(name="nginx", argv=base_argv(binary, config_file), stop_timeout=10.0)


def master_pid(run_dir: Path) -> int | None:
    """The running nginx master of this instance, from its pid file; None when none runs."""
    try:
        pid = int((run_dir / PID_FILE).read_text().strip())
    except (OSError, ValueError):
        return None
    try:  # the pid file may be stale and its number reused by another program
        comm = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
    except OSError:
        return None
    return pid if b"nginx" in comm else None


def reload(run_dir: Path) -> bool:
    """SIGHUP to the master: it re-reads the configuration and the certificate files, new
    connections get the new ones, open ones finish. False when no nginx runs (it reads the
    files when it starts)."""
    pid = master_pid(run_dir)
    if pid is None:
        return False
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError:
        return False
    return True
