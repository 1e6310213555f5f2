"""WebSocket subscribers for the fan-out benchmark, run as a separate process.

`python -m benchmarks.wsclient URL --count N` opens N subscriptions to one task, prints
`ready` once every one has its first snapshot, then stamps each message with `time.time()`
the moment it is received (parsing waits until the end) and, when the server closes the
sockets, prints one JSON line: for each subscriber, [[received_at, [new log lines]], ...].
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

from websockets.asyncio.client import connect


async def _subscriber(url: str, ready: asyncio.Event, stamps: list[tuple[float, str]]) -> None:
    async with connect(url, max_size=None, compression=None) as socket:
        first = await socket.recv()
        stamps.append((time.time(), str(first)))
        ready.set()
        async for message in socket:
            stamps.append((time.time(), str(message)))


def _new_lines(stamps: list[tuple[float, str]]) -> list[tuple[float, list[str]]]:
    """For each message after the first: when it came and which log lines it added."""
    seen = 0
    out: list[tuple[float, list[str]]] = []
    for index, (received, raw) in enumerate(stamps):
        logs = json.loads(raw).get("logs") or []
        if index:
            out.append((received, logs[seen:]))
        seen = len(logs)
    return out


async def main_async(url: str, count: int) -> None:
    events = [asyncio.Event() for _ in range(count)]
    stamps: list[list[tuple[float, str]]] = [[] for _ in range(count)]
    tasks = [asyncio.create_task(_subscriber(url, events[i], stamps[i])) for i in range(count)]
    await asyncio.gather(*(event.wait() for event in events))
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    await asyncio.gather(*tasks)
    print(json.dumps([_new_lines(one) for one in stamps]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--count", type=int, default=25)
    args = parser.parse_args()
    asyncio.run(main_async(args.url, args.count))


if __name__ == "__main__":
    main()
