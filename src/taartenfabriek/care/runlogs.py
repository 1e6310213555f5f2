"""Per-run logs of `tart run`: one file per start under `<home>/logs/runs/<vm>/`, rotated.

`tart run` outlives the server, so its output goes to a file the child owns (tart-cli.md
§0.18). Each run also gets a small JSON sidecar, written when `tart run` is spawned: argv,
start time, pid, the start options, and the exit once the server saw it. The sidecar is the
one record of a start: the logs API lists runs from it, the console finds the live run (and
its `--vnc-experimental` address in the log), the IP doctor reads how the VM was started, and
lifecycle decides from it whether the VM's live `tart run` is the one this server started (to
shut it down with SIGUSR2, or to know it is suspendable). `vms.json` (vmrecords.py) holds what
the user wants for the *next* start, never what happened.

Files are named by their UTC start time, so the newest run sorts last and rotation is a slice.
"""

from __future__ import annotations

import calendar
import contextlib
import hashlib
import json
import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core import procs
from ..core.errors import NotFound

RUN_LOGS_KEPT = 10
"""How many `tart run` logs to keep per VM."""

DEFAULT_TAIL_LINES = 200
MAX_TAIL_BYTES = 1024 * 1024
"""A read never returns more than this much of the end of a log."""

_RUN_ID_RE = re.compile(r"^[0-9]{8}T[0-9]{6}(?:-[0-9]{3,6})?\Z")
_UNSAFE_RE = re.compile(r"[^A-Za-z0-9._:@-]")


FOLDER_NAME_MAX = 200
"""Bytes of a run-log folder's name: a file name holds at most 255, and a request may name a
VM of any length (over-long names were a 500, `File name too long`)."""


def folder_name(vm: str) -> str:
    """A single, safe path component for a VM name (VMs made outside the app can be odd)."""
    safe = _UNSAFE_RE.sub("_", vm)
    if safe in ("", ".", ".."):
        safe = f"_{safe}_"
    if len(safe) > FOLDER_NAME_MAX:  # ASCII by now: characters are bytes
        digest = hashlib.sha256(vm.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        safe = f"{safe[: FOLDER_NAME_MAX - 17]}-{digest}"
    return safe


@dataclass(frozen=True)
class RunInfo:
    """One run of a VM: its log file and what the sidecar recorded."""

    id: str
    vm: str
    path: Path
    started_at: float | None
    ended_at: float | None
    exit_code: int | None
    pid: int | None
    argv: list[str]
    size: int
    options: dict[str, Any] | None = None
    """The backend's start options of this run, as spawned (None for runs recorded before)."""

    @property
    def flags(self) -> list[str]:
        """The flags of `tart run` (argv without the executable, `run` and the VM name)."""
        args = self.argv[1:]
        if args and args[0] == "run":
            args = args[1:]
        return args[:-1] if args else []

    @property
    def suspendable(self) -> bool:
        """Started with `--suspendable` (a resume always is: the start adds it)."""
        return "--suspendable" in self.flags

    def is_live(self) -> bool:
        """The run's process still runs its argv and started when the run did (a pid alone
        could belong to another process by now)."""
        if self.pid is None or self.ended_at is not None or len(self.argv) < 2:
            return False
        return procs.is_tart_run(self.pid, self.argv[1:], self.started_at)


class RunLogs:
    """The `runs/` folder; every method is a few file operations and safe to call often."""

    def __init__(self, root: Path, *, kept: int = RUN_LOGS_KEPT) -> None:
        self.root = root
        self.kept = max(1, kept)

    def folder(self, vm: str) -> Path:
        return self.root / folder_name(vm)

    # --- writing -----------------------------------------------------------------------

    def new_run(self, vm: str, argv: list[str], options: dict[str, Any] | None = None) -> Path:
        """Make room (rotate), then reserve a fresh log file and its sidecar for a new run."""
        folder = self.folder(vm)
        folder.mkdir(parents=True, exist_ok=True)
        self._rotate(folder, keep=self.kept - 1)
        newest = max((p.stem for p in folder.glob("*.log")), default="")
        now = time.time()
        run_id = _run_id(now)
        if run_id <= newest:  # same millisecond as the last run, or the clock went back
            now = max(now, (_started_from_id(newest) or now) + _millis(newest) + 0.0015)
            run_id = _run_id(now)
        while (folder / f"{run_id}.log").exists():
            now += 0.001
            run_id = _run_id(now)
        path = folder / f"{run_id}.log"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        meta: dict[str, Any] = {"vm": vm, "argv": list(argv), "started_at": now}
        if options is not None:
            meta["options"] = options
        self._write_meta(path, meta)
        return path

    def record_pid(self, log_path: Path, pid: int) -> None:
        self._update_meta(log_path, pid=pid)

    def record_exit(self, log_path: Path, exit_code: int | None) -> None:
        self._update_meta(log_path, exit_code=exit_code, ended_at=time.time())

    def _rotate(self, folder: Path, keep: int) -> None:
        logs = sorted(folder.glob("*.log"))
        for stale in logs[: max(0, len(logs) - keep)]:
            for path in (stale, stale.with_suffix(".json")):
                with contextlib.suppress(OSError):
                    path.unlink()

    def _write_meta(self, log_path: Path, meta: dict[str, Any]) -> None:
        sidecar = log_path.with_suffix(".json")
        temporary = sidecar.with_suffix(".json.tmp")
        with contextlib.suppress(OSError):
            temporary.write_text(json.dumps(meta))
            temporary.replace(sidecar)

    def _update_meta(self, log_path: Path, **changes: Any) -> None:
        meta = _read_meta(log_path)
        meta.update(changes)
        self._write_meta(log_path, meta)

    # --- reading -----------------------------------------------------------------------

    def runs(self, vm: str) -> list[RunInfo]:
        """The VM's runs, newest first."""
        folder = self.folder(vm)
        if not folder.is_dir():
            return []
        infos = [self._info(vm, path) for path in folder.glob("*.log")]
        return sorted(infos, key=lambda info: info.id, reverse=True)

    def latest(self, vm: str) -> RunInfo | None:
        folder = self.folder(vm)
        if not folder.is_dir():
            return None
        newest = max(folder.glob("*.log"), key=lambda path: path.stem, default=None)
        return self._info(vm, newest) if newest is not None else None

    def live(self, vm: str) -> RunInfo | None:
        """The VM's newest run while it is still the live `tart run` this server started.
        (Two odd names may share a folder: the run's argv must name this VM.)"""
        run = self.latest(vm)
        if run is None or not run.argv or run.argv[-1] != vm:
            return None
        return run if run.is_live() else None

    def live_pids(self, vms: Iterable[str]) -> dict[str, int]:
        """The `tart run` pid of each VM whose newest run this server started is still live."""
        pids: dict[str, int] = {}
        for vm in vms:
            run = self.live(vm)
            if run is not None and run.pid is not None:
                pids[vm] = run.pid
        return pids

    def get(self, vm: str, run_id: str) -> RunInfo:
        if run_id == "latest":
            latest = self.latest(vm)
            if latest is None:
                raise NotFound(f"VM {vm!r} has no run logs")
            return latest
        path = self.folder(vm) / f"{run_id}.log"
        if not _valid_run_id(run_id) or not path.is_file():
            raise NotFound(f"VM {vm!r} has no run log {run_id!r}")
        return self._info(vm, path)

    def _info(self, vm: str, path: Path) -> RunInfo:
        meta = _read_meta(path)
        try:
            size = path.stat().st_size
        except OSError:
            size = 0
        argv = meta.get("argv")
        options = meta.get("options")
        return RunInfo(
            id=path.stem,
            vm=vm,
            path=path,
            started_at=_number(meta.get("started_at")) or _started_from_id(path.stem),
            ended_at=_number(meta.get("ended_at")),
            exit_code=meta.get("exit_code") if isinstance(meta.get("exit_code"), int) else None,
            pid=meta.get("pid") if isinstance(meta.get("pid"), int) else None,
            argv=[str(a) for a in argv] if isinstance(argv, list) else [],
            size=size,
            options=options if isinstance(options, dict) else None,
        )


def read_tail(path: Path, *, lines: int = DEFAULT_TAIL_LINES) -> tuple[str, bool]:
    """The last `lines` lines of a log (at most MAX_TAIL_BYTES); and whether any were cut."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            start = max(0, size - MAX_TAIL_BYTES)
            handle.seek(start)
            data = handle.read()
    except OSError:
        return "", False
    text = data.decode("utf-8", "replace")
    cut = start > 0
    if cut:
        text = text.split("\n", 1)[1] if "\n" in text else ""
    kept = text.splitlines()
    if len(kept) > lines:
        kept = kept[-lines:]
        cut = True
    return "\n".join(kept) + ("\n" if kept else ""), cut


def _run_id(moment: float) -> str:
    whole = int(moment)
    millis = int((moment - whole) * 1000)
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime(whole)) + f"-{millis:03d}"


def _millis(run_id: str) -> float:
    _, _, millis = run_id.partition("-")
    return int(millis) / 1000 if millis.isdigit() else 0.0


def _valid_run_id(run_id: str) -> bool:
    return bool(_RUN_ID_RE.match(run_id))


def _started_from_id(run_id: str) -> float | None:
    """Logs written before sidecars existed carry their start time in the name only: local
    time in the old `YYYYmmddTHHMMSS` names, UTC in the `-mmm` ones."""
    try:
        parsed = time.strptime(run_id[:15], "%Y%m%dT%H%M%S")
    except ValueError:
        return None
    return float(calendar.timegm(parsed)) if "-" in run_id else time.mktime(parsed)


def _read_meta(log_path: Path) -> dict[str, Any]:
    try:
        data = json.loads(log_path.with_suffix(".json").read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
