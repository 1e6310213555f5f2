"""Run-log routes: the output of each `tart run` of a VM, newest first, secrets redacted.

Declared before the VM router so `/api/vms/{vm}/logs...` never reads as a VM name.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ..care.runlogs import DEFAULT_TAIL_LINES, RunInfo, read_tail
from ..core.care_models import RunLogInfo, RunLogText
from ..core.errors import NotFound
from ..core.logs import redact
from ..services import Services
from .deps import Authenticated, ServicesDep

router = APIRouter(prefix="/api/vms", dependencies=[Authenticated], tags=["logs"])


def _vm_name(services: Services, name: str) -> str:
    """The inventory's spelling of the VM; a VM that is gone may still have logs."""
    vm = services.inventory.find(name)
    if vm is not None:
        return vm.name
    if services.runlogs.runs(name):
        return name
    raise NotFound(f"VM {name!r} does not exist and has no run logs")


def _info(services: Services, run: RunInfo) -> RunLogInfo:
    vm = services.inventory.find(run.vm)
    latest = services.runlogs.latest(run.vm)
    live = (
        vm is not None
        and vm.status == "running"
        and latest is not None
        and latest.id == run.id
        and run.ended_at is None
    )
    return RunLogInfo(
        id=run.id,
        vm=run.vm,
        started_at=run.started_at,
        ended_at=run.ended_at,
        exit_code=run.exit_code,
        size_bytes=run.size,
        live=live,
        command=[redact(arg) for arg in run.argv],
    )


@router.get("/{vm_name:path}/logs", response_model=list[RunLogInfo])
async def list_runs(vm_name: str, services: ServicesDep) -> list[RunLogInfo]:
    """The VM's `tart run` logs, newest first (the last 10 runs are kept)."""
    await services.inventory.ready()
    name = _vm_name(services, vm_name)
    return [_info(services, run) for run in services.runlogs.runs(name)]


@router.get("/{vm_name:path}/logs/{run_id}", response_model=RunLogText)
async def read_run(
    vm_name: str,
    run_id: str,
    services: ServicesDep,
    tail: Annotated[int, Query(ge=1, le=10000, description="Lines from the end.")] = (
        DEFAULT_TAIL_LINES
    ),
) -> RunLogText:
    """One run's output (`latest` for the newest), its last `tail` lines, secrets redacted."""
    await services.inventory.ready()
    name = _vm_name(services, vm_name)
    run = services.runlogs.get(name, run_id)
    text, truncated = read_tail(run.path, lines=tail)
    info = _info(services, run)
    return RunLogText(
        **info.model_dump(),
        text=redact(text),
        lines=text.count("\n"),
        truncated=truncated,
    )
