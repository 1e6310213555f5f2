"""`GET /api/vms/{name}/actions`: what can be done to a VM now, each refusal in the words the
action itself would answer with.

Every action is judged the way its recipe judges it, in the same order: the busy check, the
seed's state rules, then the backend's own `check(action, vm)`. So in Orchard mode a stopped
VM's Start is refused with what Orchard offers instead (clone it), before anyone clicks, rather
than by a 409 after. Refusals that come from the backend not being able to do the action at
all are listed in `unsupported`, so the UI can explain them rather than merely grey them out.
"""

from __future__ import annotations

import asyncio

from ..core.errors import NotFound, TaartError, Unsupported
from ..core.models import VM, ActionState, VMActions, VMState
from .lifecycle import LifecycleOperations

CHECKED = ("start", "stop", "suspend", "shutdown", "set", "rename", "delete", "clone")
"""The backend's names for the actions `/actions` reports (resume is a start, edit a set)."""


class ActionOperations(LifecycleOperations):
    async def _backend_refusals(self, vm: VM) -> dict[str, tuple[str, bool]]:
        """action -> (reason, unsupported) for each action the backend refuses on `vm` now.

        Asked all at once: the Orchard backend folds simultaneous looks at one VM into one
        request. A controller that cannot be asked refuses each action with its error (the
        VM's own absence still answers 404)."""

        async def one(action: str) -> tuple[str, bool] | None:
            try:
                await self.backend.check(action, vm)
            except Unsupported as exc:
                return exc.detail, True
            except NotFound:
                raise
            except TaartError as exc:
                return exc.detail, False
            return None

        answers = await asyncio.gather(*(one(action) for action in CHECKED))
        return {a: answer for a, answer in zip(CHECKED, answers, strict=True) if answer}

    async def actions(self, name: str) -> VMActions:
        vm = await self.inventory.lookup(name)
        state: str = vm.state
        os_name = vm.os
        refused: dict[str, tuple[str, bool]] = {}
        if vm.kind != "base_image":
            (state, os_name), refused = await asyncio.gather(
                self._state_now(vm, ask_tart=False), self._backend_refusals(vm)
            )
        local = self.backend.kind == "local"
        record = self._last_run(vm.name) if state == "running" else None
        owned = await self._owned_run(vm) if record is not None else None
        busy = self._busy(vm)
        unsupported: list[str] = []

        def backend(action: str) -> str | None:
            reason, _ = refused.get(action, (None, False))
            return reason

        def judge(key: str, *rules: str | None, check: str | None = None) -> ActionState:
            """The first refusal of `rules` (as the recipe orders them); `check` is the
            backend's name of the action, whose refusal is already among `rules`."""
            reason = busy or next((r for r in rules if r), None)
            if check is not None and check in refused:
                text, cannot = refused[check]
                if cannot and reason == text:
                    unsupported.append(key)
            return ActionState(allowed=reason is None, reason=reason)

        not_running = f"VM {vm.name} is not running" if state != "running" else None
        running = f"VM {vm.name} is already running" if state == "running" else None
        base = self._base_image
        suspend = base(vm, "suspended")
        if suspend is None and local:
            suspend = await self._suspend_refusal(vm, state, os_name)
        shutdown = base(vm, "shut down")
        if shutdown is None and local:
            shutdown = await self._shutdown_refusal(vm, state)
        return VMActions(
            name=vm.name,
            state=_state(state),
            started_by_server=owned is not None,
            suspendable=owned.suspendable if owned is not None else None,
            start=judge("start", base(vm, "started"), running, backend("start"), check="start"),
            resume=judge(
                "resume",
                base(vm, "started"),
                None
                if state == "suspended"
                else f"{vm.name} is not suspended: there is no saved state to resume",
                backend("start"),
                check="start",
            ),
            suspend=judge("suspend", backend("suspend"), suspend, check="suspend"),
            shutdown=judge("shutdown", backend("shutdown"), shutdown, check="shutdown"),
            stop=judge(
                "stop",
                base(vm, "stopped"),
                None if state == "suspended" else not_running,
                backend("stop"),
                check="stop",
            ),
            edit=judge(
                "edit",
                backend("set"),
                base(vm, "reconfigured"),
                self._stopped_refusal(vm, state, "reconfigure"),
                check="set",
            ),
            rename=judge(
                "rename",
                backend("rename"),
                base(vm, "renamed"),
                self._stopped_refusal(vm, state, "rename"),
                check="rename",
            ),
            delete=judge(
                "delete",
                f"VM {vm.name} is running: stop it before deleting it"
                if state == "running"
                else None,
                backend("delete"),
                check="delete",
            ),
            clone=judge("clone", backend("clone"), check="clone"),
            unsupported=unsupported,
        )


def _state(value: str) -> VMState:
    states: dict[str, VMState] = {
        "running": "running",
        "stopped": "stopped",
        "suspended": "suspended",
    }
    return states.get(value, "unknown")
