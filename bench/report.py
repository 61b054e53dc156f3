"""What a run records besides its figures (the machine, the versions), the spread over repeated
runs, the targets and by how much each is met or missed, the JSON files and the terminal table."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import statistics
import subprocess
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent

# The targets.
HTTPS_RATIO_TARGET = 0.5
HTTPS_P99_TARGET_MS = 250.0
TFTP_RATIO_TARGET = 0.5
PHONEBOOK_SECONDS_TARGET = 1.0
PHONEBOOK_MB_TARGET = 150.0
CLIENT_HEADROOM = 1.5  # the client's ceiling must be this many times our throughput


def _run(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (out.stdout + out.stderr).strip()


def machine() -> dict[str, Any]:
    meminfo = Path("/proc/meminfo").read_text()
    total_kb = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    return {"cores": os.cpu_count(), "cpu": cpu.group(1).strip() if cpu else platform.machine(),
            "memory_gb": round(total_kb / 2**20, 1), "kernel": platform.release(),
            "os": _run(["sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"]),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


def _dpkg(package: str) -> str:
    return _run(["dpkg-query", "-W", "-f=${Version}", package])


def versions(database_url: str | None = None) -> dict[str, Any]:
    import importlib.metadata as md
    import sqlite3
    import ssl

    def dist(name: str) -> str | None:
        try:
            return md.version(name)
        except md.PackageNotFoundError:
            return None

    out = {
        "commit": _run(["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"]),
        "python": platform.python_version(), "openssl": ssl.OPENSSL_VERSION,
        "sqlite": sqlite3.sqlite_version,
        "nginx": _dpkg("nginx"), "wrk": _dpkg("wrk"), "tftpd_hpa": _dpkg("tftpd-hpa"),
        "kamailio": _dpkg("kamailio"), "sipp": _dpkg("sip-tester"),
        "gunicorn": dist("gunicorn"), "flask": dist("flask"), "tftpy": dist("tftpy"),
        "py_spy": dist("py-spy"),
    }
    if database_url:
        # psql takes the libpq URL, without SQLAlchemy's driver name
        plain = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
        out["postgresql"] = _run(["psql", plain, "-Atc", "SHOW server_version"])
    return out


def spread(values: list[float]) -> dict[str, float]:
    return {"min": round(min(values), 1), "median": round(statistics.median(values), 1),
            "max": round(max(values), 1)}


def summarise_https(service: list[dict], static: list[dict]) -> dict[str, Any]:
    """The repetitions side by side; the ratio is taken per repetition (each pair ran back to
    back) and its median is the figure."""
    ratios = [s["phones_per_s"] / n["phones_per_s"] if n["phones_per_s"] else 0.0
              for s, n in zip(service, static, strict=True)]
    ceilings = [n["files_per_s"] / s["files_per_s"] if s["files_per_s"] else 0.0
                for s, n in zip(service, static, strict=True)]
    ratio = statistics.median(ratios)
    p99 = statistics.median(r["p99_ms"] for r in service)
    errors = sum(r["errors"] for r in service)
    return {
        "service": {key: spread([r[key] for r in service]) for key in (
            "files_per_s", "phones_per_s", "p50_ms", "p95_ms", "p99_ms", "peak_pss_mb",
            "peak_rss_mb")} | {"errors": errors},
        "nginx_static": {key: spread([r[key] for r in static]) for key in (
            "files_per_s", "phones_per_s", "p50_ms", "p95_ms", "p99_ms", "peak_pss_mb")}
        | {"errors": sum(r["errors"] for r in static)},
        "ratio_phones_per_s": {"median": round(ratio, 3), "runs": [round(r, 3) for r in ratios]},
        "cpu_ms_per_file": {
            "service_gunicorn": _median_at(service, "cpu_ms_per_file", 0),
            "service_nginx": _median_at(service, "cpu_ms_per_file", 1),
            "nginx_static": _median_at(static, "cpu_ms_per_file", 0)},
        "client_ceiling_x": round(statistics.median(ceilings), 2),
        "client_bound": statistics.median(ceilings) < CLIENT_HEADROOM,
        "targets": {
            "ratio": _target(ratio, HTTPS_RATIO_TARGET, higher=True),
            "p99_ms": _target(p99, HTTPS_P99_TARGET_MS, higher=False),
            "zero_errors": {"target": 0, "measured": errors, "met": errors == 0},
        },
    }


def _median_at(runs: list[dict], key: str, index: int) -> float | None:
    values = [r[key][index] for r in runs if len(r.get(key) or []) > index]
    return round(statistics.median(values), 3) if values else None


def summarise_tftp(ours: list[dict], hpa: list[dict]) -> dict[str, Any]:
    ratio = statistics.median(o["transfers_per_s"] / h["transfers_per_s"]
                              for o, h in zip(ours, hpa, strict=True) if h["transfers_per_s"])
    failed = sum(o["failed"] for o in ours)
    return {
        "ours": {"transfers_per_s": spread([o["transfers_per_s"] for o in ours]),
                 "p99_ms": spread([o["p99_ms"] for o in ours]), "failed": failed,
                 "peak_pss_mb": spread([o["peak_pss_mb"] for o in ours])},
        "tftpd_hpa": {"transfers_per_s": spread([h["transfers_per_s"] for h in hpa]),
                      "p99_ms": spread([h["p99_ms"] for h in hpa]),
                      "failed": sum(h["failed"] for h in hpa)},
        "ratio": round(ratio, 3),
        "client_bound": any(r["client_bound"] for r in ours + hpa),
        "client_cpu_share_max": max(r["client_cpu_share"] for r in ours + hpa),
        "targets": {"ratio": _target(ratio, TFTP_RATIO_TARGET, higher=True),
                    "zero_failures": {"target": 0, "measured": failed, "met": failed == 0}},
    }


def _target(measured: float, target: float, higher: bool) -> dict[str, Any]:
    met = measured >= target if higher else measured <= target
    # by how much: the factor the measured figure must change by to meet the target
    factor = (target / measured if higher else measured / target) if measured else None
    return {"target": target, "measured": round(measured, 3), "met": met,
            "short_by_factor": None if met or factor is None else round(factor, 2)}


def write(results: dict[str, Any], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = results["started_at"].replace(":", "").replace("-", "")[:15]
    path = directory / f"{stamp}.json"
    text = json.dumps(results, indent=2, sort_keys=False) + "\n"
    path.write_text(text)
    (directory / "latest.json").write_text(text)
    return path


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def table(results: dict[str, Any]) -> str:
    lines = [f"make bench - {results['started_at']} - {results['machine']['cores']} cores, "
             f"{results['machine']['memory_gb']} GB - {results['parameters']}"]
    row = "{:<34} {:>12} {:>12} {:>8} {:>9} {:>7} {:>9}"
    for backend, https in results.get("https", {}).items():
        s, n = https["summary"]["service"], https["summary"]["nginx_static"]
        lines += ["", f"HTTPS boot storm, {backend} (median of {len(https['runs']['service'])}; "
                      f"client ceiling {https['summary']['client_ceiling_x']}x"
                      f"{', CLIENT-BOUND' if https['summary']['client_bound'] else ''})",
                  row.format("", "phones/s", "files/s", "p99 ms", "PSS MB", "errors", "ratio")]
        lines.append(row.format("service (nginx + gunicorn)", s["phones_per_s"]["median"],
                                s["files_per_s"]["median"], s["p99_ms"]["median"],
                                s["peak_pss_mb"]["median"], s["errors"],
                                https["summary"]["ratio_phones_per_s"]["median"]))
        lines.append(row.format("nginx static, same bytes", n["phones_per_s"]["median"],
                                n["files_per_s"]["median"], n["p99_ms"]["median"],
                                n["peak_pss_mb"]["median"], n["errors"], 1))
        cpu = https["summary"]["cpu_ms_per_file"]
        lines.append(f"  CPU ms per file: gunicorn {cpu['service_gunicorn']} + nginx "
                     f"{cpu['service_nginx']}; nginx static {cpu['nginx_static']}")
        if https.get("not_modified"):
            lines.append(f"  304 answers/s through the front: "
                         f"{https['not_modified']['answers_per_s']}")
    for backend, tftp in results.get("tftp", {}).items():
        lines += ["", f"TFTP, {backend}: transfers/s (ratio to tftpd-hpa)"]
        for clients, entry in tftp.items():
            summary = entry["summary"]
            ours, hpa = summary["ours"], summary["tftpd_hpa"]
            lines.append(f"  {clients:>3} client(s): ours {ours['transfers_per_s']['median']}"
                         f", tftpd-hpa {hpa['transfers_per_s']['median']}"
                         f", ratio {summary['ratio']}, failed {summary['ours']['failed']}")
    render = results.get("render", {})
    for entry in render.get("device", []):
        lines.append(f"render one {entry['vendor']} {entry['model']}: {entry['median_ms']} ms "
                     f"({entry['files']} files), peak {entry['peak_python_mb']} MB")
    for run in (render.get("phonebook") or {}).get("runs", []):
        if "whole_build_s" in run:
            lines.append(f"phonebook {run['contacts']:>6} contacts, {run['vendor']:<7}: "
                         f"{run['whole_build_s']} s, peak {run['peak_python_mb']} MB")
    reg = results.get("registrations")
    if reg:
        lines.append(f"registrations: {reg.get('note') or reg.get('summary')}")
    return "\n".join(lines)
