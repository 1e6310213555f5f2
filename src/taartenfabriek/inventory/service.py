"""The cached VM inventory: one coalesced refresh from the backend, read without calling tart.

Reads serve prepared JSON bodies, rebuilt only when the inventory changes. `os`, `cpu`,
`memory` and `display` come from a per-VM `tart get` cache that a background filler keeps,
so a refresh costs one `tart list` plus one parallel round of `tart ip`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import logging
import time
from collections.abc import Callable
from typing import Any

from pydantic import TypeAdapter

from ..backends.base import Backend
from ..core.errors import Conflict, NotFound, TaartError, TartFailed
from ..core.models import VM, VMConfig
from ..tart.parse import config_fields

log = logging.getLogger(__name__)

CONFIG_FILL_CONCURRENCY = 4
FIRST_REFRESH_WAIT = 15.0
GZIP_LEVEL = 6

_VM_LIST = TypeAdapter(list[VM])
CONFIG_KEYS = ("os", "cpu", "memory", "display")


class Inventory:
    def __init__(
        self,
        backend: Backend,
        *,
        refresh_interval: float = 0,
        decorate: Callable[[VM], VM] | None = None,
    ) -> None:
        self.backend = backend
        self.refresh_interval = refresh_interval
        self.decorate = decorate
        """Adds derived fields (e.g. the IP doctor's) to each VM whenever the inventory changes."""
        self._vms: list[VM] = []
        self._by_name: dict[str, VM] = {}
        self._configs: dict[str, dict[str, Any]] = {}
        self._config_updates: dict[str, dict[str, Any]] = {}
        """The VM fields each cached config contributes, normalised once when it is stored."""
        self._body = b"[]"
        self._categorized = b'{"base_images":[],"working_vms":[]}'
        self._gzipped: dict[str, bytes] = {}
        self._refreshed_at: float | None = None
        self.last_error: str | None = None
        self._inflight: asyncio.Task[list[VM]] | None = None
        self._inflight_seq = 0
        self._change_seq = 0
        """Bumped by `invalidate`: runs started before the bump cannot show the change."""
        self._first = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._fill_task: asyncio.Task[None] | None = None
        self._fill_queue: set[str] = set()
        self.refresh_count = 0

    # --- life cycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Refresh now in the background, then every `refresh_interval` seconds."""
        self._loop_task = asyncio.create_task(self._loop())

    async def _loop(self) -> None:
        while True:
            with contextlib.suppress(Exception):
                await self.refresh()
            if self.refresh_interval <= 0:
                return
            await asyncio.sleep(self.refresh_interval)

    async def close(self) -> None:
        for task in (self._loop_task, self._fill_task, self._inflight):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def ready(self, timeout: float = FIRST_REFRESH_WAIT) -> None:
        """Wait (once, at start-up) for the first refresh so early reads are not empty."""
        if not self._first.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._first.wait(), timeout)

    # --- refresh ---------------------------------------------------------------------------

    async def refresh(self) -> list[VM]:
        """Refresh from the backend; concurrent callers share one run.

        A run in flight is shared only if nothing was invalidated since it started: a task
        that just changed a VM must not be answered with a `tart list` begun before its
        change, so its callers wait for that run and share the next one.
        """
        while True:
            task = self._inflight
            if task is None or task.done():
                self._inflight_seq = self._change_seq
                task = self._inflight = asyncio.create_task(self._refresh())
                return await asyncio.shield(task)
            if self._inflight_seq == self._change_seq:
                return await asyncio.shield(task)
            with contextlib.suppress(Exception):
                await asyncio.shield(task)

    async def _refresh(self) -> list[VM]:
        try:
            vms = await self.backend.list_vms()
        except TaartError as exc:
            self.last_error = exc.detail
            self._first.set()
            raise
        except Exception as exc:
            self.last_error = f"{type(exc).__name__}: {exc}"
            self._first.set()
            log.exception("inventory refresh failed")
            raise
        self.last_error = None
        self._refreshed_at = time.time()
        self.refresh_count += 1
        names = {vm.name for vm in vms}
        for stale in [name for name in self._configs if name not in names]:
            self._forget_config(stale)
        self._install(vms)
        self._first.set()
        missing = [
            vm.name
            for vm in vms
            if vm.kind == "working_vm"
            and vm.name not in self._configs
            and vm.cpu is None
            and not self.backend.list_has_config
        ]
        if missing:
            self._fill(missing)
        return list(self._vms)

    def _install(self, vms: list[VM]) -> None:
        merged = [self._with_config(vm) for vm in vms]
        if self.decorate is not None:
            merged = [self.decorate(vm) for vm in merged]
        self._vms = merged
        self._by_name = {vm.name: vm for vm in merged}
        self._render()

    def redecorate(self) -> None:
        """Recompute derived fields now (a setting they depend on changed), without tart."""
        self._install(self._vms)

    def _with_config(self, vm: VM) -> VM:
        update = self._config_updates.get(vm.name)
        return vm if not update else vm.model_copy(update=update)

    def _store_config(self, name: str, raw: dict[str, Any]) -> None:
        self._configs[name] = raw
        fields = config_fields(raw)
        self._config_updates[name] = {
            key: fields[key] for key in CONFIG_KEYS if fields[key] is not None
        }

    def _forget_config(self, name: str) -> None:
        self._configs.pop(name, None)
        self._config_updates.pop(name, None)

    def _render(self) -> None:
        """Serialise the two read bodies once per change (pydantic's Rust serialiser)."""
        vms = self._vms
        self._body = _VM_LIST.dump_json(vms)
        base = _VM_LIST.dump_json([vm for vm in vms if vm.kind == "base_image"])
        working = _VM_LIST.dump_json([vm for vm in vms if vm.kind != "base_image"])
        self._categorized = b'{"base_images":' + base + b',"working_vms":' + working + b"}"
        self._gzipped = {}

    # --- background `tart get` filler ------------------------------------------------------

    def _fill(self, names: list[str]) -> None:
        self._fill_queue.update(names)
        if self._fill_task is None or self._fill_task.done():
            self._fill_task = asyncio.create_task(self._fill_loop())

    async def _fill_loop(self) -> None:
        semaphore = asyncio.Semaphore(CONFIG_FILL_CONCURRENCY)

        async def one(name: str) -> None:
            async with semaphore:
                with contextlib.suppress(Exception):
                    self._store_config(name, await self.backend.get_config(name))

        while self._fill_queue:
            batch = list(self._fill_queue)
            self._fill_queue.clear()
            await asyncio.gather(*(one(name) for name in batch))
            self._install(self._vms)

    # --- reads -----------------------------------------------------------------------------

    @property
    def body(self) -> bytes:
        return self._body

    @property
    def categorized_body(self) -> bytes:
        return self._categorized

    def gzipped(self, which: str) -> bytes:
        """`body` or `categorized_body` gzipped, compressed at most once per change."""
        packed = self._gzipped.get(which)
        if packed is None:
            plain = self._body if which == "body" else self._categorized
            packed = self._gzipped[which] = gzip.compress(plain, GZIP_LEVEL, mtime=0)
        return packed

    @property
    def vms(self) -> list[VM]:
        return list(self._vms)

    @property
    def age(self) -> float | None:
        return None if self._refreshed_at is None else max(0.0, time.time() - self._refreshed_at)

    @property
    def stale(self) -> bool:
        return self.last_error is not None

    def find(self, name: str) -> VM | None:
        vm = self._by_name.get(name)
        if vm is not None:
            return vm
        lowered = name.lower()
        vm = next((v for v in self._vms if v.name.lower() == lowered), None)
        return vm if vm is not None else self._folded_digest(name)

    def _folded_digest(self, name: str) -> VM | None:
        """`host/ns@sha256:<hex>` that `tart list` shows but the inventory folded into the tag
        pointing at it: Tart knows the name, so it is found, under its own name."""
        repository, at, digest = name.partition("@")
        if not at or not digest.startswith("sha256:"):
            return None
        vm = next(
            (
                v
                for v in self._vms
                if v.kind == "base_image"
                and v.digest == digest
                and v.name.rsplit(":", 1)[0] == repository
            ),
            None,
        )
        return None if vm is None else vm.model_copy(update={"name": name})

    async def lookup(self, name: str) -> VM:
        """The VM named, refreshing once on a miss; NotFound when the backend does not know it."""
        vm = self.find(name)
        if vm is None:
            with contextlib.suppress(TaartError):
                await self.refresh()
            vm = self.find(name)
        if vm is None:
            raise NotFound(f"VM {name!r} does not exist")
        return vm

    async def exists(self, name: str) -> VM | None:
        """Fresh answer to "is this name taken?", compared case-insensitively."""
        await self.refresh()
        return self.find(name)

    async def config(self, name: str, *, force_refresh: bool = False) -> VMConfig:
        vm = await self.lookup(name)
        if vm.kind == "base_image" and self.backend.kind == "local":
            raise Conflict(
                f"{vm.name} is a base image: tart get reads local VMs only; clone it first"
            )
        raw = None if force_refresh else self._configs.get(vm.name)
        if raw is None:
            try:
                raw = await self.backend.get_config(vm.name)
            except TartFailed as exc:
                # Tart says so with exit code 2; the text is the sign a stand-in keeps
                if exc.exit_code == 2 or "does not exist" in exc.stderr:
                    raise NotFound(f"VM {name!r} does not exist") from exc
                raise
            self._store_config(vm.name, raw)
            if vm.name in self._by_name:
                self._install(self._vms)
        fields = config_fields(raw)
        return VMConfig(
            name=vm.name,
            cpu=fields["cpu"],
            memory=fields["memory"],
            disk_size=fields["disk_size"],
            raw=raw,
        )

    def invalidate(self, *names: str) -> None:
        """Forget cached configs of VMs a task changed; later refreshes start a new `tart list`."""
        self._change_seq += 1
        for name in names:
            self._forget_config(name)
            lowered = name.lower()
            for key in [k for k in self._configs if k.lower() == lowered]:
                self._forget_config(key)
