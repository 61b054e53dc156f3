"""Rendering: one device's configuration (every file the vendor defines for it, as a change
renders it), and one device's phonebook of 1,000 / 10,000 / 50,000 contacts
(``bench.phonebook_render``, in a process of its own so that its memory is its own)."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

from bench.world import World, make_app

REPO_ROOT = Path(__file__).resolve().parent.parent
PHONEBOOK_TIMEOUT = 300


def device_render(world: World, env: dict[str, str], repeat: int = 30) -> list[dict[str, Any]]:
    """Per vendor: the time to render one device's files from its database rows (the phonebook
    cache left cold, so the phonebook is built too), median and spread over ``repeat`` runs, and
    the peak Python memory of one (tracemalloc)."""
    from provisioning.extensions import db
    from provisioning.phones.configs import device_files, phone_settings
    from provisioning.phones.rendering import _load

    app = make_app(world.instance, world.database_url, env)
    out = []
    with app.app_context():
        settings = phone_settings()
        for vendor in ("snom", "yealink"):
            phone = next(p for p in world.phones if p.vendor == vendor)
            from provisioning.models import Device

            device_id = db.session.query(Device.id).filter_by(mac=phone.mac).scalar()
            device = _load(db.session, [device_id])[0]
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                _stored, files = device_files(device, settings, {})
                times.append(time.perf_counter() - start)
            tracemalloc.start()
            device_files(device, settings, {})
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            out.append({
                "vendor": vendor, "model": phone.model, "files": len(files),
                "bytes": sum(len(f.body) for f in files),
                "phonebook_entries": len(world.phones) // max(1, len(world.tenant_ids)),
                "median_ms": round(statistics.median(times) * 1000, 2),
                "min_ms": round(min(times) * 1000, 2), "max_ms": round(max(times) * 1000, 2),
                "peak_python_mb": round(peak / 2**20, 2)})
        db.session.remove()
        db.engine.dispose()
    return out


def phonebooks(sizes: list[int]) -> dict[str, Any]:
    """``bench.phonebook_render`` for each size: the whole build of one device's phonebook per
    vendor (read, cut, render), its peak memory, and the 304 lookup."""
    if not (REPO_ROOT / "bench" / "phonebook_render.py").exists():
        return {"available": False, "note": "not available yet (no bench/phonebook_render.py)"}
    runs = []
    for size in sizes:
        out = subprocess.run(
            [sys.executable, "-m", "bench.phonebook_render", "--contacts", str(size)],
            capture_output=True, text=True, cwd=REPO_ROOT, timeout=PHONEBOOK_TIMEOUT, check=False)
        if out.returncode != 0:
            runs.append({"contacts": size, "error": out.stderr.strip()[-1500:]})
            continue
        lines = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
        for line in lines:
            runs.append({"contacts": size, **line})
    return {"available": True, "runs": runs}
