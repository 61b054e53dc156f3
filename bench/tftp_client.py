"""A lean TFTP load client: many read requests at once from one thread (epoll), each client a
state machine on its own socket and its own loopback source address, as phones on a LAN.

    python -m bench.tftp_client PORT FILES.json CLIENTS TRANSFERS DEADLINE

FILES.json holds "order" (the names phones fetch, in boot order) and "files" (each name's size
and SHA-256). Every client walks the order (each starting at another place) until TRANSFERS are
done in total or DEADLINE seconds have passed; prints one JSON line: transfers, failures,
seconds, latency percentiles, and the client's own CPU time (whether the client was the limit).
"""

from __future__ import annotations

import hashlib
import json
import resource
import selectors
import socket
import struct
import sys
import time

OP_RRQ, OP_DATA, OP_ACK, OP_ERROR = 1, 3, 4, 5
BLOCK = 512
TIMEOUT = 1.0  # seconds without a packet before the last one is sent again
RETRIES = 3


class Transfer:
    __slots__ = ("client", "name", "started", "last", "packet", "peer", "block", "chunks",
                 "retries", "sock")

    def __init__(self, client: Client, name: str, now: float) -> None:
        self.client, self.name, self.started, self.last = client, name, now, now
        # A new port per transfer, as phones do: a late packet of the previous transfer
        # cannot be taken for this one's.
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((client.source, 0))
        self.sock.setblocking(False)
        self.packet = struct.pack("!H", OP_RRQ) + name.encode() + b"\0octet\0"
        self.peer: tuple[str, int] | None = None
        self.block, self.chunks, self.retries = 1, [], 0


class Client:
    def __init__(self, index: int, sources: list[str]) -> None:
        self.index, self.sources = index, sources
        self.source = sources[0]
        self.next_name = index
        self.transfer: Transfer | None = None


def percentile(values: list[float], q: float) -> float:
    if not values:
        return -1.0
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(round(q / 100 * len(values) + 0.5)) - 1))]


def run(port: int, names: list[str], files: dict[str, dict], clients: int, transfers: int,
        deadline: float) -> dict:
    server = ("127.0.0.1", port)
    # Each transfer from the next address of the client's own share of 127.0.10.x-127.0.13.x:
    # phones on a LAN, one fetch each at a time, and never one address above the server's
    # per-address cap however fast the client goes.
    addresses = [f"127.0.{10 + i // 250}.{1 + i % 250}" for i in range(1000)]
    share = max(1, len(addresses) // clients)
    pool = [Client(i, addresses[i * share:(i + 1) * share] or addresses[i:i + 1])
            for i in range(clients)]
    for client in pool:
        client.next_name = client.index * len(names) // clients
    selector = selectors.DefaultSelector()
    done = failed = started_count = 0
    latencies: list[float] = []
    failures: dict[str, int] = {}
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.monotonic()
    end = t0 + deadline

    def start(client: Client, now: float) -> None:
        nonlocal started_count
        if started_count >= transfers or now >= end:
            client.transfer = None
            return
        started_count += 1
        name = names[client.next_name % len(names)]
        client.source = client.sources[client.next_name % len(client.sources)]
        client.next_name += 1
        client.transfer = Transfer(client, name, now)
        selector.register(client.transfer.sock, selectors.EVENT_READ, client)
        client.transfer.sock.sendto(client.transfer.packet, server)

    def finish(client: Client, ok: bool, why: str, now: float) -> None:
        nonlocal done, failed
        transfer = client.transfer
        selector.unregister(transfer.sock)
        transfer.sock.close()
        if ok:
            done += 1
            latencies.append((now - transfer.started) * 1000)
        else:
            failed += 1
            failures[why] = failures.get(why, 0) + 1
        start(client, now)

    now = time.monotonic()
    for client in pool:
        start(client, now)
    while any(c.transfer is not None for c in pool):
        events = selector.select(0.1)
        now = time.monotonic()
        for key, _ in events:
            client = key.data
            transfer = client.transfer
            if transfer is None or key.fileobj is not transfer.sock:
                continue
            try:
                data, source = transfer.sock.recvfrom(BLOCK + 4)
            except BlockingIOError:
                continue
            if transfer.peer is None:
                transfer.peer = source
            elif source != transfer.peer:
                continue
            opcode = struct.unpack_from("!H", data)[0]
            if opcode == OP_ERROR:
                finish(client, False, f"error {struct.unpack_from('!H', data, 2)[0]}", now)
                continue
            if opcode != OP_DATA:
                continue
            block = struct.unpack_from("!H", data, 2)[0]
            ack = struct.pack("!HH", OP_ACK, block)
            transfer.sock.sendto(ack, source)
            transfer.last = now
            if block != transfer.block:
                continue  # a duplicate: acknowledged again, not kept
            transfer.chunks.append(data[4:])
            transfer.block = (transfer.block + 1) % 65536
            transfer.packet, transfer.retries = ack, 0
            if len(data) - 4 < BLOCK:
                body = b"".join(transfer.chunks)
                expected = files[transfer.name]
                ok = (len(body) == expected["size"]
                      and hashlib.sha256(body).hexdigest() == expected["sha256"])
                finish(client, ok, f"wrong bytes: {transfer.name}", now)
        for client in pool:
            transfer = client.transfer
            if transfer is not None and now - transfer.last > TIMEOUT:
                if transfer.retries >= RETRIES:
                    finish(client, False, "timeout", now)
                    continue
                transfer.retries += 1
                transfer.last = now
                transfer.sock.sendto(transfer.packet, transfer.peer or server)
    seconds = time.monotonic() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    return {"clients": clients, "transfers": done, "failed": failed, "failures": failures,
            "seconds": round(seconds, 3), "transfers_per_s": round(done / seconds, 1),
            "p50_ms": round(percentile(latencies, 50), 2),
            "p99_ms": round(percentile(latencies, 99), 2),
            "client_cpu_share": round(cpu / seconds, 2)}


def main(argv: list[str]) -> None:
    port, files_json, clients, transfers, deadline = argv
    with open(files_json) as fh:
        manifest = json.load(fh)
    print(json.dumps(run(int(port), manifest["order"], manifest["files"], int(clients),
                         int(transfers), float(deadline))))


if __name__ == "__main__":
    main(sys.argv[1:])
