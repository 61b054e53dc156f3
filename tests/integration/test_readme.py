"""The README's commands work as written: start the demo as `make run` does, run every command
of the README's fenced shell blocks verbatim (except the make targets themselves), then restart
the demo and check that its data survived."""

from __future__ import annotations

import json
import re
import subprocess
import urllib.request

import pytest

from provisioning import REPO_ROOT
from tests.integration.demo import Demo

pytestmark = pytest.mark.slow

FENCE = re.compile(r"^```(?:sh|bash|shell)\n(.*?)^```", re.M | re.S)


def readme_blocks() -> list[str]:
    text = (REPO_ROOT / "README.md").read_text()
    blocks = []
    for block in FENCE.findall(text):
        lines = [ln for ln in block.splitlines() if not re.match(r"^\s*make\s", ln)]
        body = "\n".join(lines).strip()
        if body and not all(ln.strip().startswith("#") or not ln.strip() for ln in lines):
            blocks.append(body)
    return blocks


def _login(demo: Demo, role: str) -> str:
    creds = json.loads((demo.instance / "demo-credentials.json").read_text())[role]
    req = urllib.request.Request(
        f"{demo.base_url}/api/v1/auth/tokens", method="POST",
        data=json.dumps({"username": creds["username"], "password": creds["password"]}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)["token"]


def _get(demo: Demo, path: str, token: str) -> dict:
    req = urllib.request.Request(f"{demo.base_url}{path}",
                                 headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


def test_readme_has_commands_to_run():
    assert readme_blocks(), "the README shows no commands"


def test_every_readme_command_succeeds_and_the_demo_survives_a_restart(tmp_path):
    instance = tmp_path / "instance"
    with Demo(instance) as demo:
        # One shell for all blocks, as a reader runs them one after the other in one terminal.
        script = "\n".join(f"echo '### README block {n}' >&2\n{block}"
                           for n, block in enumerate(readme_blocks(), 1))
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script], cwd=REPO_ROOT, env=demo.env,
            capture_output=True, text=True, timeout=300,
        )
        assert result.returncode == 0, (
            f"a README command failed (the last '### README block' line names its block)"
            f"\n--- stdout\n{result.stdout[-3000:]}\n--- stderr\n{result.stderr[-3000:]}"
        )
        token = _login(demo, "superadmin")
        before = _get(demo, "/api/v1/devices", token)
        assert {"snom", "yealink"} <= {d["vendor"] for d in before["items"]}
        port = demo.port
        creds_before = (instance / "demo-credentials.json").read_text()
    with Demo(instance, port=port) as demo:
        assert (instance / "demo-credentials.json").read_text() == creds_before, "demo re-seeded"
        token = _login(demo, "superadmin")
        after = _get(demo, "/api/v1/devices", token)
        assert [d["mac"] for d in after["items"]] == [d["mac"] for d in before["items"]]
        tenants = _get(demo, "/api/v1/tenants", _login(demo, "operator"))
        assert "DEMO-0001" in {t["customer_number"] for t in tenants["items"]}
