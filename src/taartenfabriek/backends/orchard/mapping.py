"""Pure translation between Orchard's JSON and our wire models (orchard-api.md §6-§8, §12).

Orchard has no `stopped` status: a VM is `pending`, `running` or `failed`, and stopping is a
one-way `powerState` change whose progress shows in `observedGeneration` and the `running`
condition. `phase` folds all of that into one word (the reference's suggested display
state); `status`/`state` then say what the seed's vocabulary can: running, stopped, unknown.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from ...core.models import VM, VMState, VMStatus, Worker
from ...tart.parse import memory_from_mib

Json = dict[str, Any]

SLOTS = "org.cirruslabs.tart-vms"
CORES = "org.cirruslabs.logical-cores"
MEMORY = "org.cirruslabs.memory-mib"
ZERO_TIME = "0001-01-01T00:00:00Z"

PHASE_STATUS: dict[str, tuple[VMStatus, VMState]] = {
    "running": ("running", "running"),
    "restarting": ("running", "running"),
    "stopped": ("stopped", "stopped"),
    "suspended": ("stopped", "suspended"),
    "failed": ("stopped", "stopped"),
    "queued": ("unknown", "unknown"),
    "creating": ("unknown", "unknown"),
    "stopping": ("unknown", "unknown"),
    "suspending": ("unknown", "unknown"),
}
SETTLED = frozenset({"running", "stopped", "suspended", "failed"})
SECRET_MASK = "********"


def condition(vm: Json, kind: str) -> str | None:
    """`"true"`/`"false"` of the condition `kind`, or None when absent."""
    for item in vm.get("conditions") or []:
        if isinstance(item, dict) and item.get("type") == kind:
            state = item.get("state")
            return state if isinstance(state, str) else None
    return None


def _uint(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def phase(vm: Json) -> str:
    """One word for where the VM is in Orchard's lifecycle."""
    status = vm.get("status") or "pending"
    power = vm.get("powerState") or "running"
    lagging = _uint(vm.get("observedGeneration")) < _uint(vm.get("generation"))
    if status == "failed":
        return "failed"
    if power in ("stopped", "suspended"):
        if status == "pending" and not vm.get("worker"):
            return power  # stopped before it was ever placed: it never will be
        if lagging or condition(vm, "running") == "true":
            return "stopping" if power == "stopped" else "suspending"
        return str(power)
    if status == "pending":
        return "creating" if vm.get("worker") else "queued"
    if status == "running":
        return "restarting" if lagging else "running"
    return "queued"


def parse_time(value: Any) -> datetime | None:
    """RFC 3339 (up to 9 fractional digits) -> aware datetime; the zero time -> None."""
    if not isinstance(value, str) or not value or value.startswith("0001-01-01"):
        return None
    text = value.replace("Z", "+00:00")
    if "." in text:  # Python keeps at most microseconds
        head, _, rest = text.partition(".")
        digits = rest[: len(rest) - len(rest.lstrip("0123456789"))]
        zone = rest[len(digits) :]
        text = f"{head}.{digits[:6].ljust(6, '0')}{zone}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iso(value: Any) -> str | None:
    parsed = parse_time(value)
    return parsed.isoformat() if parsed else None


def cpu_of(vm: Json) -> int | None:
    return _uint(vm.get("cpu")) or _uint(vm.get("assignedCPU")) or None


def memory_mb_of(vm: Json) -> int | None:
    return _uint(vm.get("memory")) or _uint(vm.get("assignedMemory")) or None


def ip_key(vm: Json) -> str:
    """An IP belongs to one incarnation: a re-created VM has a new uid, a restart a new
    localName."""
    return f"{vm.get('uid')}/{vm.get('localName') or vm.get('tartName')}"


def to_vm(vm: Json, ip: str | None = None) -> VM:
    current = phase(vm)
    status, state = PHASE_STATUS[current]
    disk = _uint(vm.get("diskSize")) or None
    restart_count = vm.get("restart_count")
    return VM(
        name=str(vm.get("name", "")),
        status=status,
        state=state,
        ip_address=ip if status == "running" else None,
        source="orchard",
        os=vm.get("os") or "darwin",
        cpu=cpu_of(vm),
        memory=memory_from_mib(memory_mb_of(vm)),
        disk_size=disk,
        kind="working_vm",
        worker=vm.get("worker") or None,
        image=vm.get("image") or None,
        phase=current,
        status_message=vm.get("status_message") or None,
        restart_count=restart_count if isinstance(restart_count, int) else 0,
        local_name=vm.get("localName") or vm.get("tartName") or None,
        created_at=iso(vm.get("createdAt")),
    )


def redact(vm: Json) -> Json:
    """The VM as the controller sent it, minus secrets (SSH password, startup script env)."""
    clean = dict(vm)
    if clean.get("password"):
        clean["password"] = SECRET_MASK
    script = clean.get("startup_script")
    if isinstance(script, dict) and isinstance(script.get("env"), dict):
        clean["startup_script"] = {
            **script,
            "env": {key: SECRET_MASK for key in script["env"]},
        }
    return clean


def to_config(vm: Json) -> dict[str, Any]:
    """`tart get`-shaped keys where Orchard knows them, plus the whole (redacted) VM."""
    current = phase(vm)
    return {
        "CPU": cpu_of(vm),
        "Memory": memory_mb_of(vm),
        "Disk": _uint(vm.get("diskSize")) or None,
        "OS": vm.get("os") or "darwin",
        "State": PHASE_STATUS[current][1],
        "Display": None,
        "orchard": redact(vm),
    }


def summarise_workers(
    workers: Iterable[Json], vms: Iterable[Json], *, now: datetime, offline_after: float
) -> list[Worker]:
    """Capacity from each worker, use from the VMs scheduled on it (Orchard reports none)."""
    placed: dict[str, list[Json]] = {}
    for vm in vms:
        worker = vm.get("worker")
        if isinstance(worker, str) and worker:
            placed.setdefault(worker, []).append(vm)
    return [
        summarise_worker(worker, placed.get(str(worker.get("name")), []), now, offline_after)
        for worker in workers
    ]


def summarise_worker(worker: Json, vms: list[Json], now: datetime, offline_after: float) -> Worker:
    resources = {
        str(k): v for k, v in (worker.get("resources") or {}).items() if isinstance(v, int)
    }
    used: dict[str, int] = {}
    cpu_used = memory_used = running = 0
    for vm in vms:
        if phase(vm) in ("running", "restarting"):
            running += 1
        if condition(vm, "scheduled") != "true":
            continue
        for key, amount in (vm.get("resources") or {}).items():
            if isinstance(amount, int):
                used[str(key)] = used.get(str(key), 0) + amount
        cpu_used += _uint(vm.get("assignedCPU"))
        memory_used += _uint(vm.get("assignedMemory"))
    last_seen = parse_time(worker.get("last_seen"))
    age = max(0.0, (now - last_seen).total_seconds()) if last_seen else None
    labels = worker.get("labels") or {}
    return Worker(
        name=str(worker.get("name", "")),
        online=age is not None and age <= offline_after,
        paused=bool(worker.get("scheduling_paused")),
        last_seen=last_seen.isoformat() if last_seen else None,
        last_seen_age=round(age, 3) if age is not None else None,
        arch=worker.get("arch") or None,
        runtime=worker.get("runtime") or None,
        labels={str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {},
        slots=resources.get(SLOTS),
        slots_used=used.get(SLOTS, 0),
        cpu=resources.get(CORES),
        cpu_used=cpu_used,
        memory_mb=resources.get(MEMORY),
        memory_used_mb=memory_used,
        resources=resources,
        resources_used=used,
        vms=sorted(str(vm.get("name")) for vm in vms),
        running_vms=running,
    )
