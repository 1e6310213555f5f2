"""The fake controller's state and its validation rules (orchard-api.md §5, §8, §13).

Everything is behind one lock: the HTTP handlers and the scheduler run in the server thread,
tests seed and inject failures from theirs. Each write bumps the store version and wakes
the VM's watchers with the object as it now reads.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from .wire import NAME_RE, VM_FIELDS, WORKER_FIELDS, Json, encode, stamp

RESTRICTED = "please only use [A-Za-z0-9:-_.]"
SLOTS = "org.cirruslabs.tart-vms"
SPEC_SUBSET = (
    "os", "arch", "runtime", "net-softnet", "netSoftnet", "netSoftnetAllow", "netSoftnetBlock",
    "suspendable", "powerState",
)  # fmt: skip
VETU_UNSUPPORTED = ("netSoftnet", "netSoftnetAllow", "netSoftnetBlock", "hostDirs", "suspendable")
ROLES = ("compute:read", "compute:write", "compute:connect", "admin:read", "admin:write")


class Reply(Exception):
    """An HTTP answer other than 200: status, and a `{"message"}` body or an empty one."""

    def __init__(self, status: int, message: str | None = None) -> None:
        super().__init__(status, message)
        self.status = status
        self.message = message


END = "END"
"""Not a watch line: tells a watch stream to end (see `drop_watches`)."""
Watcher = tuple[asyncio.AbstractEventLoop, "asyncio.Queue[tuple[str, Json]]"]


class Store:
    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.vms: dict[str, Json] = {}
        self.workers: dict[str, Json] = {}
        self.accounts: dict[str, Json] = {}
        self.events: dict[str, list[tuple[str, Json]]] = {}
        self.cluster_settings: Json = {}
        self.watchers: dict[str, list[Watcher]] = {}
        self.failures: dict[str, str] = {}
        """image -> status_message the simulated worker fails VMs of that image with."""
        self.unreachable: set[str] = set()
        """Workers the controller cannot reach (IP lookups answer 503)."""
        self.silent: set[str] = set()
        """Workers that stopped heartbeating (they go offline as last_seen ages)."""
        self.ips: dict[str, str] = {}
        self.ipless: set[str] = set()
        """VMs whose worker never resolves an IP (`GET /ip` runs out its wait: empty 500)."""
        self._version = 0
        self._arrival = 0

    # --- writes and watchers -------------------------------------------------------------

    def now(self) -> str:
        return stamp(self.clock())

    def write(self, vm: Json, kind: str = "MODIFIED") -> None:
        self._version += 1
        vm["version"] = self._version
        self.vms[vm["name"]] = vm
        self.notify(vm["name"], kind, self.show(vm))

    def notify(self, name: str, kind: str, obj: Json) -> None:
        for loop, queue in list(self.watchers.get(name, [])):
            loop.call_soon_threadsafe(queue.put_nowait, (kind, obj))

    def watch(self, name: str, loop: asyncio.AbstractEventLoop) -> asyncio.Queue[tuple[str, Json]]:
        queue: asyncio.Queue[tuple[str, Json]] = asyncio.Queue()
        with self.lock:
            self.watchers.setdefault(name, []).append((loop, queue))
            if name in self.vms:
                queue.put_nowait(("ADDED", self.show(self.vms[name])))
        return queue

    def drop_watches(self, *, lose: tuple[str, ...] = ()) -> None:
        """A controller restart as a watcher sees it: every watch stream ends, and the VMs
        in `lose` are gone without a DELETED line (deleted while the controller was away)."""
        with self.lock:
            for name in lose:
                vm = self.vms.pop(name, None)
                if vm is not None:
                    self.events.pop(vm["uid"], None)
            for watchers in self.watchers.values():
                for loop, queue in watchers:
                    loop.call_soon_threadsafe(queue.put_nowait, (END, {}))

    def unwatch(self, name: str, queue: asyncio.Queue[tuple[str, Json]]) -> None:
        with self.lock:
            self.watchers[name] = [w for w in self.watchers.get(name, []) if w[1] is not queue]

    @staticmethod
    def show(vm: Json, *, with_version: bool = True) -> Json:
        return encode(vm, VM_FIELDS, with_version=with_version)

    def vm(self, name: str) -> Json:
        vm = self.vms.get(name)
        if vm is None:
            raise Reply(404)
        return vm

    # --- VMs -------------------------------------------------------------------------------

    def create_vm(self, body: Json) -> Json:
        with self.lock:
            name = body.get("name", "")
            if not name:
                raise Reply(412, "VM name is empty")
            if not NAME_RE.match(name):
                raise Reply(412, f"VM name name contains restricted characters, {RESTRICTED}")
            if not body.get("image"):
                raise Reply(412, "VM image is empty")
            self._check_runtime(body)
            policy = body.get("imagePullPolicy") or "IfNotPresent"
            if policy not in ("IfNotPresent", "Always"):
                raise Reply(412, f'unsupported image pull policy: "{policy}"')
            restart = body.get("restart_policy") or "Never"
            if restart not in ("Never", "OnFailure"):
                raise Reply(412, f'unsupported restart policy: "{restart}"')
            self._check_host_dirs(body.get("hostDirs") or [])
            if name in self.vms:
                raise Reply(409, "VM with this name already exists")
            vm = {k: v for k, v in body.items() if k != "version"}
            uid = str(uuid.uuid4())
            vm.update(
                status="pending",
                createdAt=self.now(),
                restarted_at=None,
                restart_count=0,
                uid=uid,
                powerState="running",
                generation=0,
                observedGeneration=0,
                conditions=[{"type": "scheduled", "state": "false"}],
                imagePullPolicy=policy,
                restart_policy=restart,
            )
            vm.setdefault("os", "darwin")
            vm.setdefault("arch", "arm64")
            vm.setdefault("runtime", "tart")
            vm["os"], vm["arch"], vm["runtime"] = (
                vm["os"] or "darwin",
                vm["arch"] or "arm64",
                vm["runtime"] or "tart",
            )
            vm["localName"] = vm["tartName"] = f"orchard-{name}-{uid}-0"
            mirror_softnet(vm)
            if vm["os"] == "darwin" and vm["runtime"] == "tart":
                vm["resources"] = {SLOTS: 1, **(vm.get("resources") or {})}
            self.write(vm, "ADDED")
            return self.show(vm, with_version=False)

    def _check_runtime(self, vm: Json) -> None:
        if vm.get("runtime") == "vetu":
            for field in VETU_UNSUPPORTED:
                if vm.get(field):
                    raise Reply(412, f'runtime "vetu" does not support field "{field}"')

    def _check_host_dirs(self, dirs: list[Json]) -> None:
        policies = self.cluster_settings.get("hostDirPolicies") or []
        for item in dirs:
            name, path, ro = item.get("name", ""), item.get("path", ""), item.get("ro", False)
            if not name:
                raise Reply(400, 'hostDir volume\'s "name" field cannot be empty')
            if not path:
                raise Reply(400, 'hostDir volume\'s "path" field cannot be empty')
            allowed = any(
                ".." not in path
                and path.startswith(p["pathPrefix"].rstrip("/"))
                and (not p.get("ro") or ro)
                for p in policies
            )
            if not allowed:
                shown = f"{name}:{path}" + (":ro" if ro else "")
                raise Reply(
                    400,
                    f'host directory "{shown}" is disallowed by policy, check your cluster '
                    "settings",
                )

    def list_vms(self, filter_: str | None) -> list[Json]:
        with self.lock:
            vms = sorted(self.vms.values(), key=lambda v: v["name"].encode())
            if filter_ is not None:
                for clause in filter_.split(","):
                    if "=" not in clause:
                        raise Reply(412, "invalid filter: expected path=value")
                    key, value = clause.split("=", 1)
                    if not key:
                        raise Reply(412, "invalid filter: path cannot be empty")
                    vms = [v for v in vms if key == "worker" and (v.get("worker") or "") == value]
            return [self.show(v) for v in vms]

    def update_vm(self, name: str, body: Json) -> Json:
        with self.lock:
            vm = self.vm(name)
            if vm["status"] == "failed":
                raise Reply(412, "cannot update VM in a terminal state")
            if any(body.get(k, "") != vm.get(k, "") for k in ("os", "arch", "runtime")):
                raise Reply(412, '"os", "arch" and "runtime" fields cannot be modified')
            self._check_runtime(body)
            if vm.get("suspendable") and not body.get("suspendable"):
                raise Reply(412, '"suspendable" cannot be toggled for suspendable VMs')
            if vm.get("suspendable") and bool(body.get("netSoftnet")) != bool(vm.get("netSoftnet")):
                raise Reply(412, '"netSoftnet" cannot be toggled for suspendable VMs')
            power = body.get("powerState", "")
            if power not in ("running", "stopped", "suspended"):
                raise Reply(412, f'invalid "powerState" value: {power}')
            if vm.get("powerState") in ("stopped", "suspended"):
                raise Reply(
                    412,
                    'invalid "powerState" transition: cannot transition from a terminal power '
                    "state",
                )
            if power == "suspended" and not body.get("suspendable"):
                raise Reply(
                    412, 'invalid "powerState" transition: only suspendable VMs can be suspended'
                )
            new = {k: body[k] for k in SPEC_SUBSET if k in body}
            mirror_softnet(new)
            old = {k: vm[k] for k in SPEC_SUBSET if k in vm}
            if {k: v for k, v in new.items() if v} != {k: v for k, v in old.items() if v}:
                for key in SPEC_SUBSET:
                    vm.pop(key, None)
                vm.update(new)
                vm["generation"] = vm.get("generation", 0) + 1
                self.write(vm)
            return self.show(vm)

    def update_state(self, name: str, body: Json) -> Json:
        with self.lock:
            vm = self.vm(name)
            if vm["status"] == "failed" and body.get("status") != "failed":
                raise Reply(412, "cannot update status for a VM in a terminal state")
            for key in (
                "status",
                "status_message",
                "image_fqn",
                "observedGeneration",
                "conditions",
            ):
                vm[key] = body.get(key)
            if vm["status"] == "running" and not vm.get("started_at"):
                vm["started_at"] = self.now()
            self.write(vm)
            return self.show(vm)

    def delete_vm(self, name: str) -> None:
        with self.lock:
            vm = self.vm(name)
            del self.vms[name]
            self.events.pop(vm["uid"], None)
            self.notify(name, "DELETED", self.show({}))

    # --- events ----------------------------------------------------------------------------

    def add_events(self, name: str, events: list[Json]) -> None:
        with self.lock:
            vm = self.vm(name)
            self._arrival += 1
            arrival = self._arrival
            log = self.events.setdefault(vm["uid"], [])
            for index, event in enumerate(events):
                key = f"/{int(event.get('timestamp', 0)):020d}-{arrival:025d}-{index:06d}"
                log.append((key, {k: v for k, v in event.items() if v not in (None, "", 0)}))
            log.sort(key=lambda item: item[0].encode())

    def vm_events(self, name: str) -> list[tuple[str, Json]]:
        with self.lock:
            return list(self.events.get(self.vm(name)["uid"], []))

    # --- workers, accounts, settings -------------------------------------------------------

    def register_worker(self, body: Json) -> Json:
        with self.lock:
            name = body.get("name", "")
            if not name:
                raise Reply(412, "worker name is empty")
            if not NAME_RE.match(name):
                raise Reply(412, f"worker name name contains restricted characters, {RESTRICTED}")
            old = self.workers.get(name)
            if old is not None and old.get("machine_id") != body.get("machine_id"):
                raise Reply(
                    409,
                    "this worker is managed from a different machine ID, delete this worker "
                    "first to be able to re-create it",
                )
            worker = dict(old or {"name": name, "createdAt": self.now()})
            for key in ("machine_id", "resources", "labels", "defaultCPU", "defaultMemory"):
                worker[key] = body.get(key)
            worker["arch"] = body.get("arch") or "arm64"
            worker["runtime"] = body.get("runtime") or "tart"
            worker["last_seen"] = body.get("last_seen") or self.now()
            self.workers[name] = worker
            return self.show_worker(worker)

    def update_worker(self, body: Json) -> Json:
        with self.lock:
            worker = self.workers.get(body.get("name", ""))
            if worker is None:
                raise Reply(404)
            if body.get("last_seen") and not body["last_seen"].startswith("0001-01-01"):
                worker["last_seen"] = body["last_seen"]
            worker["scheduling_paused"] = bool(body.get("scheduling_paused"))
            return self.show_worker(worker)

    @staticmethod
    def show_worker(worker: Json) -> Json:
        return encode(worker, WORKER_FIELDS)

    def add_worker(self, name: str, *, slots: int = 2, **fields: Any) -> Json:
        """Seed a worker as `orchard worker run` would register it (tests' helper)."""
        resources = {
            SLOTS: slots,
            "org.cirruslabs.logical-cores": 8,
            "org.cirruslabs.memory-mib": 16384,
        }
        resources.update(fields.pop("resources", {}))
        body = {"name": name, "machine_id": f"machine-{name}", "resources": resources, **fields}
        return self.register_worker(body)

    def add_account(self, name: str, token: str, roles: list[str]) -> Json:
        with self.lock:
            if not name:
                raise Reply(412, "service account name is empty")
            if not NAME_RE.match(name):
                raise Reply(
                    412, f"service account name contains restricted characters, {RESTRICTED}"
                )
            for role in roles:
                if role not in ROLES:
                    raise Reply(412, f'unsupported role "{role}"')
            if name in self.accounts:
                raise Reply(409, "service account with this name already exists")
            account = {
                "name": name,
                "token": token or str(uuid.uuid4()),
                "roles": list(roles),
                "createdAt": self.now(),
            }
            self.accounts[name] = account
            return dict(account)

    def put_settings(self, body: Json) -> Json:
        with self.lock:
            for policy in body.get("hostDirPolicies") or []:
                if not isinstance(policy, dict) or not policy.get("pathPrefix"):
                    raise Reply(400, "pathPrefix field cannot be empty")
            profile = body.get("schedulerProfile") or "optimize-utilization"
            if profile not in ("optimize-utilization", "distribute-load"):
                raise Reply(400, f'unsupported scheduler profile: "{profile}"')
            self.cluster_settings = {
                "hostDirPolicies": body.get("hostDirPolicies") or [],
                "schedulerProfile": profile,
            }
            return dict(self.cluster_settings)


def mirror_softnet(vm: Json) -> None:
    if any(vm.get(k) for k in ("net-softnet", "netSoftnet", "netSoftnetAllow", "netSoftnetBlock")):
        vm["net-softnet"] = vm["netSoftnet"] = True
