"""A small HTTP/1.1 keep-alive load generator, for machines without `wrk`.

`python -m benchmarks.loadgen URL --connections 4 --duration 2 -H 'Name: value'` runs that
many connections in one asyncio process, each sending the next GET as soon as the previous
answer is in (no pipelining), and prints one JSON line: requests, errors, bytes, seconds.
Raw sockets and a minimal parser keep the client cheap; `reads.py` runs several of these
processes so the client is not the bottleneck.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from urllib.parse import urlsplit


async def _connection(
    host: str, port: int, request: bytes, deadline: float, totals: dict[str, int]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            totals["requests"] += 1
            totals["bytes"] += len(head) + length
            if status != 200:
                totals["errors"] += 1
    finally:
        writer.close()


async def run(url: str, connections: int, duration: float, headers: list[str]) -> dict[str, float]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", *headers]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    totals = {"requests": 0, "errors": 0, "bytes": 0}
    started = time.perf_counter()
    deadline = started + duration
    await asyncio.gather(
        *(_connection(host, port, request, deadline, totals) for _ in range(connections))
    )
    return {**totals, "seconds": time.perf_counter() - started}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--duration", type=float, default=2.0)
    parser.add_argument("-H", "--header", action="append", default=[])
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.url, args.connections, args.duration, args.header))))


if __name__ == "__main__":
    main()
