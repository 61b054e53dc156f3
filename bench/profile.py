"""Where a gunicorn worker's time goes during a boot storm: ``py-spy record`` on the workers
(raw collapsed stacks, idle threads left out), summarised by function and by package."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^:()]+)(?::\d+)?\)$")
# Packages a frame's file belongs to, in the order they are tried.
AREAS = (("provisioning/", "provisioning (our code)"), ("tftp/", "provisioning (our code)"),
         ("gunicorn/", "gunicorn"), ("werkzeug/", "werkzeug"), ("flask/", "flask"),
         ("logging/", "logging"), ("cryptography/", "cryptography"), ("sqlite3", "sqlite3"),
         ("sqlalchemy/", "sqlalchemy"), ("jinja2/", "jinja2"))


def py_spy() -> str | None:
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


def start(master_pid: int, seconds: int, out: Path) -> subprocess.Popen | None:
    binary = py_spy()
    if binary is None:
        return None
    argv = [binary, "record", "--pid", str(master_pid), "--subprocesses", "--nonblocking",
            "--rate", "200", "--duration", str(seconds), "--format", "raw", "--output", str(out)]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def _frames(stack: str) -> list[tuple[str, str]]:
    out = []
    for frame in stack.split(";"):
        match = _FRAME.match(frame.strip())
        if match:
            out.append((match["func"], match["file"]))
    return out


def _area(path: str) -> str:
    for marker, name in AREAS:
        if marker in path:
            return name
    return "other"


def summarise(raw: Path, top: int = 12) -> dict[str, Any]:
    leaves: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    areas: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = _frames(stack)
        if not frames:
            continue
        total += n
        func, path = frames[-1]
        leaves[f"{func} ({Path(path).name})"] += n
        areas[_area(path)] += n
        seen = set()
        for func, path in frames:
            if "provisioning/" in path and (func, path) not in seen:
                seen.add((func, path))
                ours[f"{func} ({path.split('provisioning/', 1)[1]})"] += n

    def share(counter: Counter[str]) -> list[list[Any]]:
        return [[name, round(100 * n / total, 1)] for name, n in counter.most_common(top)]

    return {"samples": total, "self_time_by_function_pct": share(leaves),
            "self_time_by_package_pct": share(areas),
            "inclusive_time_in_our_code_pct": share(ours)} if total else {"samples": 0}


def finish(proc: subprocess.Popen | None, raw: Path) -> dict[str, Any]:
    if proc is None:
        return {"available": False, "note": "py-spy not installed (make bench installs it)"}
    try:
        _, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    if not raw.exists():
        return {"available": False, "note": f"py-spy wrote nothing: {err.decode()[-500:]}"}
    return {"available": True, **summarise(raw)}
