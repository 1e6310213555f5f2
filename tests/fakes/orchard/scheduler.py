"""The fake's scheduler and simulated workers (orchard-api.md §7, §13.6), one `step()` at a time.

A step: live workers heartbeat; health checks fail VMs whose worker vanished or went
offline; OnFailure restarts; pending VMs are placed by free `resources` (so a third macOS
VM waits on a 2-slot worker); each placed VM walks `cloning VM...` -> `configuring VM...`
-> running, one stage per `phase_seconds`; spec changes (stop/suspend) are applied and the
slot is released afterwards. The server calls `step()` on a timer; unit tests call it by hand.
"""

from __future__ import annotations

import asyncio
from typing import Any

from .store import SLOTS, Store
from .wire import Json, seconds

Stage = str


class Scheduler:
    def __init__(
        self,
        store: Store,
        *,
        phase_seconds: float = 0.05,
        offline_after: float = 180.0,
        restart_after: float = 15.0,
    ) -> None:
        self.store = store
        self.phase_seconds = phase_seconds
        self.offline_after = offline_after
        self.restart_after = restart_after
        self._ip_counter = 1

    async def run(self, interval: float) -> None:
        while True:
            self.step()
            await asyncio.sleep(interval)

    def online(self, worker: Json, now: float) -> bool:
        seen = seconds(worker.get("last_seen"))
        return seen is not None and now - seen <= self.offline_after

    def step(self) -> None:
        store = self.store
        with store.lock:
            now = store.clock()
            for name, worker in store.workers.items():
                if name not in store.silent:
                    worker["last_seen"] = store.now()
            for vm in list(store.vms.values()):
                self._health(vm, now)
                self._restart(vm, now)
            self._place(now)
            for vm in list(store.vms.values()):
                self._work(vm, now)

    # --- controller side -------------------------------------------------------------------

    def _fail(self, vm: Json, message: str) -> None:
        vm.update(status="failed", status_message=message)
        vm["conditions"] = [
            {"type": "scheduled", "state": "false"},
            {"type": "running", "state": "false"},
        ]
        vm["_failed_at"] = self.store.clock()
        self.store.write(vm)

    def _health(self, vm: Json, now: float) -> None:
        if vm["status"] == "failed" or _cond(vm, "scheduled") != "true":
            return
        worker = self.store.workers.get(vm.get("worker") or "")
        if worker is None:
            self._fail(vm, "VM is assigned to a worker that doesn't exist anymore")
        elif not self.online(worker, now):
            self._fail(vm, "VM is assigned to a worker that lost connection with the controller")

    def _restart(self, vm: Json, now: float) -> None:
        if vm["status"] != "failed" or vm.get("restart_policy") != "OnFailure":
            return
        since = seconds(vm.get("restarted_at")) or vm.get("_failed_at", now)
        if now - since < self.restart_after:
            return
        count = vm.get("restart_count", 0) + 1
        for key in ("worker", "status_message", "assignedCPU", "assignedMemory", "scheduled_at",
                    "started_at", "_stage", "_since"):  # fmt: skip
            vm.pop(key, None)
        vm.update(
            status="pending",
            restarted_at=self.store.now(),
            restart_count=count,
            powerState="running",
            conditions=[{"type": "scheduled", "state": "false"}],
        )
        vm["localName"] = vm["tartName"] = f"orchard-{vm['name']}-{vm['uid']}-{count}"
        self.store.write(vm)

    def used(self, worker: str) -> dict[str, int]:
        used: dict[str, int] = {}
        for vm in self.store.vms.values():
            if vm.get("worker") == worker and _cond(vm, "scheduled") == "true":
                for key, amount in (vm.get("resources") or {}).items():
                    used[key] = used.get(key, 0) + amount
        return used

    def _place(self, now: float) -> None:
        store = self.store
        pending = [
            vm
            for vm in store.vms.values()
            if vm["status"] == "pending" and not vm.get("worker") and vm["powerState"] == "running"
        ]
        pending.sort(key=lambda vm: (vm["createdAt"], vm["name"]))
        spread = store.cluster_settings.get("schedulerProfile") == "distribute-load"
        for vm in pending:
            fits = []
            for worker in store.workers.values():
                if not self.online(worker, now) or worker.get("scheduling_paused"):
                    continue
                if (worker.get("arch"), worker.get("runtime")) != (vm["arch"], vm["runtime"]):
                    continue
                labels = worker.get("labels") or {}
                if any(labels.get(k) != v for k, v in (vm.get("labels") or {}).items()):
                    continue
                used = self.used(worker["name"])
                capacity = worker.get("resources") or {}
                if all(
                    capacity.get(k, 0) - used.get(k, 0) >= v
                    for k, v in (vm.get("resources") or {}).items()
                ):
                    fits.append((sum(used.values()), worker["name"], worker))
            if not fits:
                continue
            fits.sort(key=lambda f: (f[0] if spread else -f[0], f[1]))
            worker = fits[0][2]
            vm.update(
                worker=worker["name"],
                scheduled_at=store.now(),
                assignedCPU=vm.get("cpu") or worker.get("defaultCPU") or 4,
                assignedMemory=vm.get("memory") or worker.get("defaultMemory") or 8192,
                conditions=[{"type": "scheduled", "state": "true"}],
                _stage=-1,
                _since=now,
            )
            store.write(vm)

    # --- worker side -----------------------------------------------------------------------

    def _work(self, vm: Json, now: float) -> None:
        worker = vm.get("worker")
        if not worker or worker in self.store.silent or vm["status"] == "failed":
            return
        if now - vm.get("_since", 0) < self.phase_seconds:
            return
        vm["_since"] = now
        if vm["status"] == "pending" and vm["powerState"] == "running":
            self._advance(vm)
        elif vm["status"] == "running":
            self._reconcile(vm)

    def _stages(self, vm: Json) -> list[Stage]:
        stages = ["pulling VM image..."] if vm.get("imagePullPolicy") == "Always" else []
        return [*stages, "cloning VM...", "configuring VM..."]

    def _advance(self, vm: Json) -> None:
        stages = self._stages(vm)
        stage = vm.get("_stage", -1) + 1
        vm["_stage"] = stage
        failure = self.store.failures.get(vm["image"])
        if stage < len(stages):
            if stages[stage] == "cloning VM..." and failure and not failure.startswith("VM failed"):
                return self._fail(vm, failure)
            if stages[stage] == "cloning VM..." and (problem := self._local_source(vm)):
                return self._fail(vm, problem)
            vm["status_message"] = stages[stage]
            return self.store.write(vm)
        script = (vm.get("startup_script") or {}).get("script_content")
        self._ip_counter += 1
        self.store.ips[vm["uid"]] = f"192.168.64.{self._ip_counter % 250 + 2}"
        vm.update(
            status="running",
            status_message="VM started, running startup script..." if script else "VM started",
            started_at=vm.get("started_at") or self.store.now(),
            image_fqn=vm["image"]
            if vm["image"].startswith("orchard-")
            else f"{vm['image']}@sha256:{'ab' * 32}",
            observedGeneration=vm.get("generation", 0),
            conditions=[
                {"type": "scheduled", "state": "true"},
                {"type": "running", "state": "true"},
            ],
            _script=bool(script),
        )
        self.store.write(vm)
        if script:
            lines = [{"kind": "log_line", "timestamp": int(self.store.clock()), "payload": line}
                     for line in str(script).splitlines()]  # fmt: skip
            self.store.add_events(vm["name"], lines)

    def _local_source(self, vm: Json) -> str | None:
        """`tart clone <localName>` works only with a VM that exists on this worker."""
        image = vm["image"]
        if not image.startswith("orchard-"):
            return None
        source = next((v for v in self.store.vms.values() if v.get("localName") == image), None)
        if source is None or source.get("worker") != vm.get("worker"):
            return (
                "failed to clone the VM: tart command failed: "
                f'"Error: the specified VM \\"{image}\\" does not exist"'
            )
        return None

    def _reconcile(self, vm: Json) -> None:
        failure = self.store.failures.get(vm["image"])
        if failure and failure.startswith("VM failed") and vm["powerState"] == "running":
            return self._fail(vm, failure)
        if vm.pop("_script", False):
            vm["status_message"] = "VM started"
            return self.store.write(vm)
        if vm.get("observedGeneration", 0) < vm.get("generation", 0):
            power = vm["powerState"]
            vm["observedGeneration"] = vm["generation"]
            if power == "running":
                vm["status_message"] = "VM started"
            else:
                vm["status_message"] = "Stopping VM" if power == "stopped" else "Suspending VM"
                vm["conditions"] = [
                    {"type": "scheduled", "state": "true"},
                    {"type": "running", "state": "false"},
                ]
            return self.store.write(vm)
        if vm["powerState"] != "running" and _cond(vm, "scheduled") == "true":
            vm["conditions"] = [
                {"type": "scheduled", "state": "false"},
                {"type": "running", "state": "false"},
            ]
            self.store.write(vm)
        return None


def _cond(vm: Json, kind: str) -> Any:
    return next((c.get("state") for c in vm.get("conditions") or [] if c.get("type") == kind), None)


__all__ = ["SLOTS", "Scheduler"]
