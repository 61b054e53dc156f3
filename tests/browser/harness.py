"""The demo as `make run` starts it (with its SIP core), a mailbox, and Debian's Chromium driven
by Playwright (which must not download a browser of its own)."""

from __future__ import annotations

import contextlib
import json
import os
import ssl
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from pbx.core import CoreUnavailable
from pbx.kamailio.rpc import RpcClient
from provisioning import REPO_ROOT
from tests.integration.demo import Demo
from tests.portal.mailbox import Mailbox, smtp_config, smtp_server

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = REPO_ROOT / "tests" / "screenshots"  # not committed (.gitignore)
SNOM_HTTP_UA = "Mozilla/4.0 (compatible; snomD785-SIP 10.1.184.15 {MAC} SXM:0 UXM:0)"


class World:
    def __init__(self, demo: Demo, mailbox: Mailbox, tmp: Path) -> None:
        self.demo, self.mailbox, self.tmp = demo, mailbox, tmp
        self.creds = json.loads((demo.instance / "demo-credentials.json").read_text())

    def url(self, path: str) -> str:
        return f"{self.demo.base_url}{path}"

    def phone_file(self, phone_url: str, mac: str) -> bytes:
        """The snom's settings document as the phone fetches it: over nginx's HTTPS, trusting
        only the instance's CA, with its User-Agent."""
        context = ssl.create_default_context(cafile=str(self.demo.instance / "ca" / "ca.crt"))
        request = urllib.request.Request(f"{phone_url}{mac.upper()}.xml", headers={
            "User-Agent": SNOM_HTTP_UA.format(MAC=mac.upper())})
        with urllib.request.urlopen(request, timeout=10, context=context) as r:
            return r.read()


def sip_credentials(document: bytes) -> dict[str, str]:
    root = etree.fromstring(document)
    return {"user": root.findtext(".//user_name"), "password": root.findtext(".//user_pass"),
            "domain": root.findtext(".//user_host")}


def _wait_for_sip_core(demo: Demo, timeout: float = 30) -> None:
    rpc = RpcClient(f"http://127.0.0.1:{demo.sip_rpc_port}/RPC", timeout=1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            rpc.call("core.version")
            return
        except (CoreUnavailable, OSError, ValueError):
            time.sleep(0.2)
    raise TimeoutError(f"the demo's Kamailio did not answer:\n{demo.log.read_text()[-3000:]}")


@contextlib.contextmanager
def world(tmp: Path) -> Iterator[World]:
    """The demo (web workers, job worker, nginx, TFTP, Kamailio) with the mail settings given
    the way an operator gives them: in the environment."""
    with smtp_server() as (mailbox, smtp_port):
        env = {f"PROVISIONING_{k}": json.dumps(v)
               for k, v in smtp_config(smtp_port).items() if v is not None}
        with Demo(tmp / "instance", env=env) as demo:
            _wait_for_sip_core(demo)
            yield World(demo, mailbox, tmp)


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
