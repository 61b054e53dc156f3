"""``make bench``: the boot-storm benchmarks, on loopback, bounded in time and count.

    .venv/bin/python -m bench [--phones 2000] [--concurrency 100] [--repeat 3] ...

For each database (SQLite, then a fresh PostgreSQL database dropped afterwards): a fleet of
phones in tenants of ``--per-tenant``, the service as ``provisioning serve`` runs it (nginx +
gunicorn) and nginx alone serving the same bytes, each boot storm ``--repeat`` times (service and
nginx back to back), 304s through the front, a py-spy profile of the workers (SQLite); TFTP,
ours against tftpd-hpa at 1 and 100 clients. Then rendering and phonebooks, and the registration
status listing. Results: bench/results/<time>.json and latest.json, a table on the terminal.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import https, plot, profile, registrations, render, report, tftp
from bench.world import build, database

RESULTS = Path(__file__).resolve().parent / "results"


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--phones", type=int, default=2000, help="phones in the boot storm")
    p.add_argument("--concurrency", type=int, default=100, help="connections at once")
    p.add_argument("--repeat", type=int, default=3, help="repetitions of each storm")
    p.add_argument("--per-tenant", type=int, default=200, help="phones per tenant")
    p.add_argument("--backends", default="sqlite,postgresql")
    p.add_argument("--wrk-threads", type=int, default=1,
                   help="wrk threads (more are slower: OpenSSL 3 serialises their handshakes)")
    p.add_argument("--tftp-transfers", type=int, default=3000,
                   help="transfers per TFTP run at 100 clients (a third of it at 1)")
    p.add_argument("--contacts", default="1000,10000,50000", help="phonebook sizes")
    p.add_argument("--registrations", type=int, default=10_000)
    p.add_argument("--skip", default="", help="comma list of: https,tftp,render,registrations")
    p.add_argument("--no-profile", action="store_true")
    p.add_argument("--results", type=Path, default=RESULTS)
    args = p.parse_args(argv)
    if args.phones < args.concurrency:
        p.error("--phones must be at least --concurrency")
    return args


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def https_storms(world, front, env, ports, args, root: Path, profile_it: bool) -> dict[str, Any]:
    service = https.Service(world, front, env, ports).start()
    static = https.StaticNginx(world, front.config_file, ports.static).start()
    out: dict[str, Any] = {"fleet": {"phones": len(world.phones), "tenants": len(world.tenant_ids),
                                     "files_per_phone": {"snom": 5, "yealink": 5},
                                     "phonebook_bytes": world.phonebook_bytes,
                                     "setup_s": world.timings},
                           "gunicorn": {"workers": service.workers, "threads": service.threads}}
    try:
        ca = world.instance / "ca" / "ca.crt"
        out["tls"] = https.tls_session(ports.https, ca)
        lists = {"service": https.write_phone_list(world, root / "service.list", static=False),
                 "static": https.write_phone_list(world, root / "static.list", static=True)}
        runs: dict[str, list] = {"service": [], "static": []}
        for rep in range(args.repeat):
            for label, port, pgids in (("static", ports.static, static.pgids),
                                       ("service", ports.https, service.pgids)):
                result = https.boot_storm(port, lists[label], args.concurrency, root,
                                          f"{label}-{rep}", pgids, args.wrk_threads)
                runs[label].append(result)
                say(f"  {label:<7} run {rep + 1}: {result['phones_per_s']} phones/s, "
                    f"{result['files_per_s']} files/s, p99 {result['p99_ms']} ms, "
                    f"errors {result['errors']}, peak PSS {result['peak_pss_mb']} MB")
        out["runs"] = runs
        out["summary"] = report.summarise_https(runs["service"], runs["static"])
        yealink = next(p for p in world.phones if p.vendor == "yealink")
        cfg = next(f for f in yealink.fetches if f.kind == "device")
        out["not_modified"] = https.not_modified(ports.https, yealink.path(cfg.name),
                                                 yealink.user_agent, cfg.etag,
                                                 args.concurrency, 5, root)
        say(f"  304s: {out['not_modified']['answers_per_s']} answers/s")
        if profile_it:
            raw = root / "py-spy.txt"
            spy = profile.start(service.web.pid, 60, raw)
            if spy is not None:
                time.sleep(1)  # py-spy attaches to every worker first
                https.boot_storm(ports.https, lists["service"], args.concurrency, root,
                                 "profiled", service.pgids, args.wrk_threads)
                spy.send_signal(signal.SIGINT)  # py-spy writes what it has on Ctrl-C
            out["profile"] = profile.finish(spy, raw)
    finally:
        static.stop()
        service.stop()
    return out


def tftp_runs(world, env, args, root: Path) -> dict[str, Any]:
    names = world.tftp_names()
    ours = tftp.OurTftp(world, env).start(names[0])
    hpa = None
    try:
        manifest = tftp.capture(world, ours.port, root / "tftp.json")
        hpa = tftp.TftpdHpa(world.tftp_root).start(names[0])
        out = {}
        for clients, transfers in ((1, args.tftp_transfers // 3), (100, args.tftp_transfers)):
            runs: dict[str, list] = {"ours": [], "tftpd_hpa": []}
            for _ in range(args.repeat):
                for label, server in (("tftpd_hpa", hpa), ("ours", ours)):
                    runs[label].append(tftp.load(server.port, manifest, clients, transfers, 60,
                                                 [server.proc.pid]))
            out[str(clients)] = {"runs": runs,
                                 "summary": report.summarise_tftp(runs["ours"], runs["tftpd_hpa"])}
            s = out[str(clients)]["summary"]
            say(f"  TFTP {clients} client(s): ours {s['ours']['transfers_per_s']['median']}/s, "
                f"tftpd-hpa {s['tftpd_hpa']['transfers_per_s']['median']}/s, "
                f"failed {s['ours']['failed']}")
        return out
    finally:
        if hpa is not None:
            hpa.stop()
        ours.stop()


def one_backend(backend: str, args, results: dict[str, Any], skip: set[str]) -> None:
    root = Path(tempfile.mkdtemp(prefix=f"provisioning-bench-{backend}-"))
    try:
        instance = root / "instance"
        from provisioning.instance import create_secrets

        create_secrets(instance)
        ports = https.fresh_ports()
        front, env = https.front_env(instance, ports)
        with database(backend, root) as url:
            if backend == "postgresql":
                results["versions"]["postgresql"] = report.versions(url).get("postgresql")
            say(f"{backend}: {args.phones} phones in tenants of {args.per_tenant}")
            world = build(backend, url, instance, root, env, args.phones, args.per_tenant)
            say(f"{backend}: fleet ready {world.timings}")
            if "https" not in skip:
                profile_it = backend == "sqlite" and not args.no_profile
                results["https"][backend] = https_storms(world, front, env, ports, args, root,
                                                         profile_it)
            if "tftp" not in skip:
                results["tftp"][backend] = tftp_runs(world, env, args, root)
            if "render" not in skip and backend == "sqlite":
                results["render"]["device"] = render.device_render(world, env)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str]) -> int:
    args = parse(argv)
    skip = {s for s in args.skip.split(",") if s}
    results: dict[str, Any] = {
        "started_at": report.now(), "machine": report.machine(), "versions": report.versions(),
        "parameters": {"phones": args.phones, "concurrency": args.concurrency,
                       "repeat": args.repeat, "per_tenant": args.per_tenant,
                       "wrk_threads": args.wrk_threads, "tftp_transfers": args.tftp_transfers},
        "https": {}, "tftp": {}, "render": {},
    }
    started = time.monotonic()
    for backend in [b for b in args.backends.split(",") if b]:
        one_backend(backend, args, results, skip)
    if "render" not in skip:
        say("phonebooks: " + args.contacts)
        results["render"]["phonebook"] = render.phonebooks(
            [int(n) for n in args.contacts.split(",") if n])
    if "registrations" not in skip:
        say(f"registrations: {args.registrations}")
        results["registrations"] = registrations.run(args.registrations)
    results["duration_s"] = round(time.monotonic() - started, 1)
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    args.results.mkdir(parents=True, exist_ok=True)
    picture = plot.draw(results, args.results / "latest.png")
    results["plot"] = picture and "latest.png" or "no plot: matplotlib is not installed"
    path = report.write(results, args.results)
    print()
    print(report.table(results))
    print(f"\nresults: {path} (and {args.results / 'latest.json'})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
