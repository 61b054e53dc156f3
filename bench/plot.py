"""The results as one picture (bench/results/latest.png): our throughput beside the reference
server's, HTTPS per database and TFTP per client count. matplotlib is a bench-only requirement
(bench/requirements.txt); without it there is no picture and the results say so."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def draw(results: dict[str, Any], path: Path) -> str | None:
    """The PNG's path, or None without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    https = results.get("https", {})
    tftp = results.get("tftp", {})
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    left, right = axes
    labels, ours, ref = [], [], []
    for backend, entry in https.items():
        labels.append(backend)
        ours.append(entry["summary"]["service"]["phones_per_s"]["median"])
        ref.append(entry["summary"]["nginx_static"]["phones_per_s"]["median"])
    _bars(left, labels, ours, ref, "service (nginx + gunicorn)", "nginx static, same bytes")
    left.set_title(f"HTTPS boot storm: phones/s (C={results['parameters']['concurrency']})")
    labels, ours, ref = [], [], []
    for backend, by_clients in tftp.items():
        for clients, entry in by_clients.items():
            labels.append(f"{backend}\n{clients} client(s)")
            ours.append(entry["summary"]["ours"]["transfers_per_s"]["median"])
            ref.append(entry["summary"]["tftpd_hpa"]["transfers_per_s"]["median"])
    _bars(right, labels, ours, ref, "ours", "tftpd-hpa")
    right.set_title("TFTP: transfers/s")
    fig.suptitle(f"make bench {results['started_at']} - {results['machine']['cores']} cores, "
                 "medians of the repetitions", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return str(path)


def _bars(ax, labels, ours, ref, ours_label, ref_label) -> None:
    width = 0.38
    xs = range(len(labels))
    ax.bar([x - width / 2 for x in xs], ours, width, label=ours_label)
    ax.bar([x + width / 2 for x in xs], ref, width, label=ref_label)
    for x, a, b in zip(xs, ours, ref, strict=True):
        if b:
            ax.annotate(f"{a / b:.2f}x", (x - width / 2, a), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(list(xs), labels, fontsize=8)
    ax.legend(fontsize=8)
