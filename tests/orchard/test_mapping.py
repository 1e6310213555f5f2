"""Orchard JSON -> our models: phases, the seed's status words, sizes, secrets, workers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from taartenfabriek.backends.orchard.client import Failure, translate
from taartenfabriek.backends.orchard.mapping import (
    parse_time,
    phase,
    redact,
    summarise_workers,
    to_config,
    to_vm,
)
from taartenfabriek.core.errors import BackendUnavailable, Conflict, InvalidInput, NotFound


def vm(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "v",
        "image": "img",
        "status": "running",
        "powerState": "running",
        "worker": "mac-1",
        "generation": 0,
        "observedGeneration": 0,
        "conditions": [
            {"type": "scheduled", "state": "true"},
            {"type": "running", "state": "true"},
        ],
    }
    base.update(fields)
    return base


@pytest.mark.parametrize(
    ("fields", "expected", "status", "state"),
    [
        ({"status": "pending", "worker": None}, "queued", "unknown", "unknown"),
        ({"status": "pending"}, "creating", "unknown", "unknown"),
        ({}, "running", "running", "running"),
        ({"generation": 1}, "restarting", "running", "running"),
        ({"powerState": "stopped", "generation": 1}, "stopping", "unknown", "unknown"),
        (
            {"powerState": "stopped", "generation": 1, "observedGeneration": 1,
             "conditions": [{"type": "running", "state": "false"}]},
            "stopped", "stopped", "stopped",
        ),
        (
            {"powerState": "suspended", "generation": 1, "observedGeneration": 1,
             "conditions": [{"type": "running", "state": "false"}]},
            "suspended", "stopped", "suspended",
        ),
        ({"powerState": "suspended", "generation": 1}, "suspending", "unknown", "unknown"),
        (
            {"status": "pending", "worker": None, "powerState": "stopped"},
            "stopped", "stopped", "stopped",
        ),
        ({"status": "failed"}, "failed", "stopped", "stopped"),
    ],
)  # fmt: skip
def test_phase_and_status(fields: dict[str, Any], expected: str, status: str, state: str) -> None:
    raw = vm(**fields)
    assert phase(raw) == expected
    mapped = to_vm(raw, ip="192.168.64.9")
    assert (mapped.status, mapped.state, mapped.phase) == (status, state, expected)
    assert mapped.ip_address == ("192.168.64.9" if status == "running" else None)


def test_sizes_come_from_the_spec_or_the_assignment() -> None:
    assert to_vm(vm(cpu=2, memory=6144, diskSize=80)).model_dump(
        include={"cpu", "memory", "disk_size"}
    ) == {"cpu": 2, "memory": "6G", "disk_size": 80}
    assigned = to_vm(vm(assignedCPU=4, assignedMemory=8192))
    assert (assigned.cpu, assigned.memory, assigned.disk_size) == (4, "8G", None)
    queued = to_vm(vm(status="pending", worker=None))
    assert (queued.cpu, queued.memory, queued.worker) == (None, None, None)


def test_config_is_tart_shaped_and_secret_free() -> None:
    script = {"script_content": "x", "env": {"K": "v"}}
    raw = vm(cpu=2, memory=4096, password="pw", startup_script=script)
    config = to_config(raw)
    assert (config["CPU"], config["Memory"], config["State"]) == (2, 4096, "running")
    assert config["orchard"]["password"] == "********"
    assert config["orchard"]["startup_script"]["env"] == {"K": "********"}
    assert raw["password"] == "pw"  # the input is not changed
    assert redact({"name": "n"}) == {"name": "n"}


def test_times_with_nanoseconds_and_the_zero_time() -> None:
    parsed = parse_time("2026-05-11T10:00:00.123456789+02:00")
    assert parsed == datetime(2026, 5, 11, 8, 0, 0, 123456, tzinfo=UTC)
    assert parse_time("0001-01-01T00:00:00Z") is None
    assert parse_time("garbage") is None


def test_worker_use_counts_only_scheduled_vms() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    workers = [
        {"name": "a", "last_seen": "2026-01-01T11:59:30Z", "scheduling_paused": True,
         "resources": {"org.cirruslabs.tart-vms": 2, "org.cirruslabs.logical-cores": 10}},
        {"name": "b", "last_seen": "2026-01-01T11:00:00Z"},
    ]  # fmt: skip
    vms = [
        vm(name="x", worker="a", assignedCPU=4, resources={"org.cirruslabs.tart-vms": 1}),
        vm(
            name="y", worker="a", powerState="stopped", assignedCPU=4,
            conditions=[{"type": "scheduled", "state": "false"}],
            resources={"org.cirruslabs.tart-vms": 1},
        ),
    ]  # fmt: skip
    a, b = summarise_workers(workers, vms, now=now, offline_after=180)
    assert (a.online, a.paused, a.slots, a.slots_used, a.cpu, a.cpu_used) == (
        True, True, 2, 1, 10, 4,
    )  # fmt: skip
    assert (a.vms, a.running_vms, a.last_seen_age) == (["x", "y"], 1, 30.0)
    assert (b.online, b.vms, b.slots) == (False, [], None)


@pytest.mark.parametrize(
    ("status", "message", "kind", "words"),
    [
        (401, None, BackendUnavailable, "wrong name or token"),
        (401, "all of the following roles must be present: compute:write",
         BackendUnavailable, "compute:write"),
        (404, None, NotFound, "Orchard has no VM 'v'"),
        (409, "VM with this name already exists", Conflict, "already exists"),
        (412, "VM image is empty", Conflict, "Orchard refused: VM image is empty"),
        (400, "invalid JSON was provided", InvalidInput, "invalid JSON"),
        (503, None, BackendUnavailable, "cannot be reached"),
        (500, None, BackendUnavailable, "HTTP 500"),
        (418, None, BackendUnavailable, "HTTP 418"),
    ],
)  # fmt: skip
def test_error_table(status: int, message: str | None, kind: type, words: str) -> None:
    error = translate(Failure(status, message, "VM 'v'", "http://c:6120", "ui"))
    assert isinstance(error, kind) and words in error.detail
    assert error.status_code not in (401, 403)
