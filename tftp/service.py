"""``provisioning tftp``: the store mirror, the resolver and the loop, stopped by SIGTERM."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import Any

from tftp.files import Files
from tftp.server import Server
from tftp.snapshot import StoreMirror

log = logging.getLogger(__name__)


class ListenError(RuntimeError):
    """The port cannot be used (taken, or privileged without the capability)."""


def fetch_recorder(app: Any) -> Any:
    """The app's fetch recorder (the phone routes install it); one of our own otherwise."""
    recorder = app.extensions.get("provisioning.fetch_recorder")
    if recorder is None:
        from provisioning.phones.fetches import FetchRecorder

        recorder = app.extensions["provisioning.fetch_recorder"] = FetchRecorder(app)
    return recorder


def build(app: Any, host: str | None = None, port: int | None = None) -> tuple[Server, StoreMirror]:
    """The server and its mirror for ``app``'s instance (not yet bound, not yet started)."""
    config = app.config
    store = app.extensions["provisioning.render_store"]
    mirror = StoreMirror(Path(store.path), float(config["TFTP_REFRESH_SECONDS"]))
    recorder = fetch_recorder(app)
    files = Files(mirror, app.extensions["provisioning.secrets"].decrypt,
                  ca_pem=app.extensions.get("provisioning.ca_pem"),
                  firmware_dir=config.get("TFTP_FIRMWARE_DIR"), record=recorder.record)
    server = Server(
        files, host=host or config["TFTP_HOST"],
        port=int(config["TFTP_PORT"] if port is None else port),
        timeout=float(config["TFTP_TIMEOUT"]), retries=int(config["TFTP_RETRIES"]),
        max_sessions=int(config["TFTP_MAX_SESSIONS"]),
        max_sessions_per_addr=int(config["TFTP_MAX_SESSIONS_PER_ADDR"]),
        on_done=files.completed)
    return server, mirror


def run(app: Any, host: str | None = None, port: int | None = None) -> None:
    """Serve until SIGTERM or SIGINT; running transfers are dropped (phones retry)."""
    # tftpy logs several INFO lines per transfer: keep its warnings, drop its chatter.
    logging.getLogger("tftpy").setLevel(logging.WARNING)
    server, mirror = build(app, host, port)
    try:
        server.bind()  # before anything else: a port we may not use is an error at once
    except PermissionError as exc:
        raise ListenError(f"cannot listen on UDP {server.host}:{server.port}: {exc} (a port "
                          "below 1024 needs CAP_NET_BIND_SERVICE; the default is 6969)") from exc
    except OSError as exc:
        raise ListenError(f"cannot listen on UDP {server.host}:{server.port}: {exc}") from exc
    try:
        mirror.refresh()
    except Exception as exc:  # the mirror thread keeps trying; until then nothing is served
        log.warning("render store not readable yet: %s", exc)
    mirror.start()

    def _stop(signum: int, _frame: Any) -> None:
        log.info("%s: tftp stopping", signal.Signals(signum).name)
        server.stop()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    try:
        server.serve_forever()
    finally:
        mirror.stop()
        fetch_recorder(app).stop()
