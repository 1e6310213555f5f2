"""Which running task holds which VM name: shared (a clone's source) or exclusive (a start,
a delete, a clone's target). Names compare case-insensitively, like the Mac's disk."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

ClaimMode = Literal["exclusive", "shared"]


class Claims:
    def __init__(self) -> None:
        self._held: dict[str, tuple[ClaimMode, set[str]]] = {}

    def blocking(self, claims: Mapping[str, ClaimMode]) -> tuple[str, str] | None:
        """(name, holding task id) of the first claim a running task holds incompatibly."""
        for name, mode in claims.items():
            held = self._held.get(name.lower())
            if held is None or not held[1]:
                continue
            held_mode, holders = held
            if mode == "exclusive" or held_mode == "exclusive":
                return name, next(iter(holders))
        return None

    def take(self, task_id: str, claims: Mapping[str, ClaimMode]) -> None:
        for name, mode in claims.items():
            key = name.lower()
            held = self._held.get(key)
            if held is None:
                self._held[key] = (mode, {task_id})
            else:
                held[1].add(task_id)

    def release(self, task_id: str) -> None:
        for key in list(self._held):
            _mode, holders = self._held[key]
            holders.discard(task_id)
            if not holders:
                del self._held[key]

    def holder(self, name: str) -> str | None:
        """The id of a task holding `name`, if any."""
        held = self._held.get(name.lower())
        return next(iter(held[1])) if held and held[1] else None
