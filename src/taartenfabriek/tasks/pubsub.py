"""In-process fan-out of task snapshots to WebSocket subscribers.

A snapshot is serialised once per publish and the same text goes to every subscriber, so 200
watchers of a pull cost one `model_dump_json`, not 200.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

SUBSCRIBER_BACKLOG = 256
"""Snapshots a slow subscriber may fall behind by before older ones are dropped."""


class Subscription:
    def __init__(self, hub: PubSub, key: str) -> None:
        self._hub = hub
        self.key = key
        self.queue: asyncio.Queue[str | None] = asyncio.Queue(SUBSCRIBER_BACKLOG)

    def put(self, payload: str | None) -> None:
        if self.queue.full():
            # Each snapshot is the whole task, so the newest one supersedes what was dropped.
            self.queue.get_nowait()
        self.queue.put_nowait(payload)

    async def get(self) -> str | None:
        return await self.queue.get()

    def close(self) -> None:
        self._hub._unsubscribe(self)


class PubSub:
    def __init__(self) -> None:
        self._subscribers: dict[str, set[Subscription]] = defaultdict(set)
        self.closed = False

    def subscribe(self, key: str) -> Subscription:
        subscription = Subscription(self, key)
        if self.closed:
            subscription.put(None)  # a watcher arriving during shutdown is told at once
        self._subscribers[key].add(subscription)
        return subscription

    def _unsubscribe(self, subscription: Subscription) -> None:
        group = self._subscribers.get(subscription.key)
        if group is not None:
            group.discard(subscription)
            if not group:
                del self._subscribers[subscription.key]

    def publish(self, key: str, payload: str) -> None:
        for subscription in tuple(self._subscribers.get(key, ())):
            subscription.put(payload)

    def close_all(self) -> None:
        """Wake every subscriber with None: the server is shutting down."""
        self.closed = True
        for group in tuple(self._subscribers.values()):
            for subscription in tuple(group):
                subscription.put(None)

    def count(self, key: str) -> int:
        return len(self._subscribers.get(key, ()))
