"""Which host process runs a VM's guest, and what the guest itself says about its load.

**The process.** `tart run` does not run the guest: Virtualization.framework starts one XPC
service per VM, `/System/Library/Frameworks/Virtualization.framework/Versions/A/XPCServices/
com.apple.Virtualization.VirtualMachine.xpc/Contents/MacOS/com.apple.Virtualization.
VirtualMachine`, launched by launchd (its parent is pid 1, not `tart run`), and the guest's
vCPU threads and memory are that process's. Two public practices were found (docs/usage.md):
tools list processes whose kernel name (p_comm, cut to 16 bytes: `com.apple.Virtua`) and
executable path match, and a tool telling its own VM's service from Docker Desktop's does so
by the disk image the service holds open. Tart hands the framework `<vm dir>/disk.img`
(Sources/tart/VMDirectory.swift:17-18, opened in VM.swift's storage attachment), so here: the
`com.apple.Virtualization.VirtualMachine` process that has `<TART_HOME>/vms/<name>/disk.img`
open is that VM's guest. Looking at open files costs a `proc_pidinfo` per candidate, so a
match is remembered per (pid, start time) and only new candidates are looked at.

Not verified on a Mac from here (this project is built on Linux): that psutil's `open_files`
lists the disk image for that service (it lists regular files via PROC_PIDLISTFDS, and the
service runs as the user, so it should), and whether the macOS `responsible pid`
(`responsibility_get_pid_responsible_for_pid`, private API) would be a cheaper link to
`tart run`. Where no service is found (any other OS, tart-sim, another user's VM) the VM's
`tart run` process is measured instead and the answer says so (`process: "tart run"`).

**The guest.** `tart exec <vm> sh -c <GUEST_SCRIPT>` through the Guest Agent prints load,
memory and disk of the guest as `key=value` lines, on Linux (/proc) and macOS (sysctl,
vm_stat) alike; `parse_guest` reads them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

VM_SERVICE = "com.apple.Virtualization.VirtualMachine"
VM_SERVICE_COMM = VM_SERVICE[:16]
"""The kernel keeps MAXCOMLEN (16) bytes of a process name: `com.apple.Virtua`."""


@dataclass(frozen=True)
class Candidate:
    pid: int
    name: str
    exe: str
    open_files: tuple[str, ...]


def is_vm_service(name: str, exe: str) -> bool:
    """A Virtualization.framework VM service: by its path when it can be read, else its name
    (a cut name alone is shared with other `com.apple.Virtualization.*` services)."""
    if exe:
        return exe.endswith("/" + VM_SERVICE)
    return name == VM_SERVICE


def match_services(candidates: Iterable[Candidate], disks: Mapping[str, Path]) -> dict[str, int]:
    """VM name -> pid of the VM service holding that VM's disk image open."""
    owners = {os.path.realpath(path): name for name, path in disks.items()}
    found: dict[str, int] = {}
    for candidate in candidates:
        if not is_vm_service(candidate.name, candidate.exe):
            continue
        for path in candidate.open_files:
            name = owners.get(os.path.realpath(path))
            if name is not None:
                found[name] = candidate.pid
                break
    return found


def tart_run_of(cmdline: list[str], name: str) -> bool:
    """`... run [flags] <name>` by `tart` (or a stand-in whose program or module is named
    tart-something, as tart-sim's `python -m taartenfabriek.sim`): a VM's `tart run`."""
    if len(cmdline) < 3 or cmdline[-1] != name or "run" not in cmdline[1:-1]:
        return False
    head = cmdline[: cmdline.index("run", 1)]
    return any(os.path.basename(part).startswith("tart") or part.endswith(".sim") for part in head)


class ProcessFinder:
    """Finds, and remembers, the process to measure for each running VM."""

    def __init__(self, tart_home: Path | None) -> None:
        self.tart_home = tart_home
        self._seen: dict[tuple[int, float], str | None] = {}
        """(pid, start time) of each VM service looked at -> the VM it runs (None: none)."""

    def disks(self, names: Iterable[str]) -> dict[str, Path]:
        if self.tart_home is None:
            return {}
        return {name: self.tart_home / "vms" / name / "disk.img" for name in names}

    def find(self, names: list[str], run_pids: Mapping[str, int]) -> dict[str, tuple[Any, str]]:
        """VM name -> (psutil.Process, "com.apple.Virtualization.VirtualMachine" or
        "tart run"). `run_pids`: the live `tart run` of the runs this server started."""
        import psutil

        wanted = set(names)
        found: dict[str, tuple[Any, str]] = {}
        disks = self.disks(wanted)
        fresh: list[Candidate] = []
        processes: dict[int, Any] = {}
        runs: dict[str, Any] = {}
        # a command line per process is most of a sample's cost: read them only when a VM's
        # `tart run` is not one this server started (and so has no pid on record)
        attrs = ["name", "create_time"] + (["cmdline"] if wanted - run_pids.keys() else [])
        for process in psutil.process_iter(attrs):
            info = process.info
            name = info.get("name") or ""
            key = (process.pid, info.get("create_time") or 0.0)
            if name.startswith(VM_SERVICE_COMM):
                processes[process.pid] = process
                known = self._seen.get(key, "")
                if known:
                    if known in wanted:
                        found[known] = (process, VM_SERVICE)
                elif known == "":
                    fresh.append(self._candidate(process, name))
                    self._seen[key] = None
                continue
            cmdline = info.get("cmdline") or []
            if cmdline and cmdline[-1] in wanted and tart_run_of(cmdline, cmdline[-1]):
                runs[cmdline[-1]] = process
        for vm, pid in match_services(fresh, disks).items():
            process = processes[pid]
            self._seen[(pid, process.info.get("create_time") or 0.0)] = vm
            found[vm] = (process, VM_SERVICE)
        for vm in wanted - found.keys():
            run: Any = runs.get(vm)
            if run is None and vm in run_pids:
                try:
                    run = psutil.Process(run_pids[vm])
                except psutil.Error:
                    run = None
            if run is not None:
                found[vm] = (run, "tart run")
        alive = {(p.pid, p.info.get("create_time") or 0.0) for p in processes.values()}
        for key in list(self._seen):
            if key not in alive:
                del self._seen[key]
        return found

    @staticmethod
    def _candidate(process: Any, name: str) -> Candidate:
        import psutil

        try:
            exe = process.exe()
        except (psutil.Error, OSError):
            exe = ""
        try:
            files = tuple(f.path for f in process.open_files())
        except (psutil.Error, OSError):
            files = ()
        return Candidate(process.pid, name, exe, files)


# --- the guest's own view, through the Guest Agent ------------------------------------------

GUEST_SCRIPT = r"""
if [ -r /proc/loadavg ]; then read a b c rest < /proc/loadavg; echo "load=$a $b $c"
else echo "load=$(sysctl -n vm.loadavg | tr -d '{}')"; fi
if [ -r /proc/meminfo ]; then
  awk '/^MemTotal:/{t=$2} /^MemAvailable:/{a=$2}
       END{printf "memory_total=%.0f\nmemory_available=%.0f\n", t*1024, a*1024}' /proc/meminfo
else
  echo "memory_total=$(sysctl -n hw.memsize)"
  vm_stat | awk '/page size of/{p=$8} /^Pages free/{f=$3} /^Pages inactive/{i=$3}
                 /^Pages speculative/{s=$3} END{printf "memory_available=%.0f\n", (f+i+s)*p}'
fi
df -Pk / | awk 'NR==2{printf "disk_total=%.0f\ndisk_used=%.0f\n", $2*1024, $3*1024}'
""".strip()
"""POSIX sh for Linux and macOS guests: `key=value` lines, bytes for sizes."""


def parse_guest(text: str) -> dict[str, Any]:
    """`load` as three floats, sizes as ints; a line that does not parse is left out."""
    found: dict[str, Any] = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if not sep:
            continue
        try:
            if key == "load":
                loads = [float(part) for part in value.replace(",", ".").split()[:3]]
                if len(loads) == 3:
                    found["load"] = loads
            elif key in ("memory_total", "memory_available", "disk_total", "disk_used"):
                found[key] = int(float(value))
        except ValueError:
            continue
    return found
