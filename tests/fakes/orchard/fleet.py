"""A big seeded fleet for scale tests and the refresh benchmark (no HTTP: straight into the
store, so the controller's request log holds only what the server under test asked)."""

from __future__ import annotations

import uuid

from .store import SLOTS, Store

STATES = ("running", "running", "stopped", "pending", "failed")


def seed_fleet(store: Store, *, vms: int = 1000, workers: int = 50) -> None:
    """`vms` VMs spread over `workers` workers, in a mix of states, as a busy fleet shows."""
    with store.lock:
        for w in range(workers):
            store.add_worker(f"mac-{w:02d}", slots=vms // workers + 1)
        for i in range(vms):
            worker = f"mac-{i % workers:02d}"
            state = STATES[i % len(STATES)]
            uid = str(uuid.uuid4())
            vm = {
                "name": f"vm-{i:04d}",
                "image": "ghcr.io/cirruslabs/macos-sequoia-base:latest",
                "imagePullPolicy": "IfNotPresent",
                "cpu": 4,
                "memory": 8192,
                "headless": True,
                "os": "darwin",
                "arch": "arm64",
                "runtime": "tart",
                "powerState": "stopped" if state == "stopped" else "running",
                "localName": f"orchard-vm-{i:04d}-{uid}-0",
                "uid": uid,
                "generation": 1 if state == "stopped" else 0,
                "observedGeneration": 1 if state == "stopped" else 0,
                "status": "running" if state == "stopped" else state,
                "status_message": {"running": "VM started", "stopped": "Stopping VM",
                                   "failed": "VM failed: VM exited unexpectedly"}.get(state),
                "worker": worker,
                "assignedCPU": 4,
                "assignedMemory": 8192,
                "restart_policy": "Never",
                "resources": {SLOTS: 1},
                "createdAt": store.now(),
                "conditions": [
                    {"type": "scheduled", "state": "true" if state == "running" else "false"},
                    {"type": "running", "state": "true" if state == "running" else "false"},
                ],
            }  # fmt: skip
            store.write(vm, "ADDED")
