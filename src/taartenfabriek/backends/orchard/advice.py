"""What Orchard cannot do, and what it offers instead: the `detail` of each 409 "unsupported".

Orchard starts a VM when it creates it and never again (orchard-api.md §7, §12); these texts
tell a user the closest thing Orchard does have, so the answer is a way forward, not a wall.
"""

from __future__ import annotations

from typing import Any

from ...core.errors import TaartError, Unsupported

Json = dict[str, Any]

PULL = (
    "Orchard has no image pull: each worker pulls an image when it creates a VM from it. "
    "Create a VM from the image instead (POST /api/vms/create with source_vm set to the OCI "
    "reference); the VM starts as soon as its worker has pulled and cloned the image"
)
SET = (
    "Orchard cannot change the CPU, memory or disk of an existing VM: delete it and create it "
    "again with the new sizes (POST /api/vms/create)"
)
RENAME = (
    "Orchard cannot rename a VM: clone it under the new name (only stopped VMs can be "
    "cloned), or create a new VM from its image"
)
SHUTDOWN = (
    "Orchard has no shutdown of its own: stop asks the VM's worker to stop it (tart stop, "
    "which first asks the guest to shut down). Note that in Orchard a stopped VM cannot be "
    "started again; its disk stays on the worker and can be cloned"
)
CREATE_EMPTY = (
    "Orchard makes VMs from images only (no empty disk, no IPSW install): create a VM from "
    "an OCI image instead (POST /api/vms/create)"
)
START_OPTIONS = (
    "Orchard starts a VM only when it creates it, on its worker, as the VM's spec says "
    "(headless, networking, suspendable): there is no `tart run` here to give start options "
    "to. Create a VM with the settings you need instead (POST /api/vms/create)"
)
RUN_COPY = (
    "Orchard has no throwaway copies: create a VM from the image with POST /api/vms/create "
    "and delete it when its work is done (Orchard cannot start a stopped VM again anyway)"
)
IMAGES = (
    "Orchard has no registry login, push, export or import: each worker pulls images itself "
    "with the credentials of its own Tart (run `tart login` on each worker Mac; "
    "internal/worker/vmmanager/tart/tart.go pulls with the worker's tart). Push, export and "
    "import from a Mac served by the local backend (`taartenfabriek serve`), then create "
    "Orchard VMs from the pushed image (POST /api/vms/create)"
)
REFUSED: dict[str, str] = {
    "pull": PULL,
    "set": SET,
    "rename": RENAME,
    "shutdown": SHUTDOWN,
    "create-empty": CREATE_EMPTY,
    "start-options": START_OPTIONS,
    "registry-login": IMAGES,
    "push": IMAGES,
    "export": IMAGES,
    "import": IMAGES,
    "run-copy": RUN_COPY,
}
"""Each action Orchard cannot do at all, and what it offers instead."""
OTHER = "the Orchard backend cannot {action}: only create, clone, stop and delete are offered"


def cannot_suspend(vm: Json, phase: str) -> TaartError:
    name = vm.get("name")
    if phase != "running":
        return Unsupported(f"VM {name} is {phase}: Orchard suspends only a running VM")
    return Unsupported(
        f"VM {name} was not created suspendable, and Orchard suspends only VMs created with "
        "`suspendable: true`: stop it instead (in Orchard, neither can be undone)"
    )


def where(vm: Json) -> str:
    local = vm.get("localName") or vm.get("tartName") or "its Tart VM"
    worker = vm.get("worker")
    return f"{local} on worker {worker}" if worker else str(local)


def cannot_start(vm: Json, phase: str) -> TaartError:
    name, image = vm.get("name"), vm.get("image")
    if phase == "failed":
        reason = vm.get("status_message") or "no reason given"
        return Unsupported(
            f"VM {name} has failed in Orchard ({reason}) and Orchard cannot start it again "
            "(only restart_policy OnFailure restarts a failed VM): delete it and create a "
            f"new VM from {image}"
        )
    return Unsupported(
        f"Orchard cannot start VM {name} again: in Orchard a stopped or suspended VM stays "
        f"that way (its disk is kept as {where(vm)}). Clone it to get a running copy "
        f"(POST /api/vms/{name}/clone), or create a new VM from its image {image}"
    )


def cannot_stop(vm: Json, phase: str) -> TaartError:
    return Unsupported(
        f"VM {vm.get('name')} is {phase}: in Orchard a VM's power state is final once it is "
        "stopped or suspended, so it cannot be stopped or resumed; delete it, or clone it"
    )


def cannot_clone(vm: Json, phase: str) -> TaartError:
    name = vm.get("name")
    if phase in ("running", "restarting", "queued", "creating"):
        return Unsupported(
            f"Orchard clones only stopped VMs (a worker copies the VM's disk), and {name} is "
            f"{phase}. Stop it first (in Orchard it then cannot be started again, but its "
            f"clones can), or create a new VM from its image {vm.get('image')}"
        )
    if phase in ("suspended", "suspending"):
        return Unsupported(
            f"VM {name} is {phase}, and Orchard cannot clone a suspended VM: the worker "
            "gives every new VM its own CPU, memory and MAC address (tart set), and a "
            "suspended VM's saved state restores only with the settings it was suspended "
            f"with, so the clone would fail on the worker. Create a new VM from its image "
            f"{vm.get('image')} instead"
        )
    return Unsupported(
        f"VM {name} is {phase}: Orchard can clone only a stopped VM whose disk is still on "
        "its worker"
    )


def cannot_pin(vm: Json, worker: str, reason: str) -> TaartError:
    return Unsupported(
        f"the clone of {vm.get('name')} must run on worker {worker}, where its disk is, "
        f"but {reason}. Orchard places VMs by labels: give {worker} a label no other worker "
        "has (`orchard worker run --labels ...`), or create a new VM from its image "
        f"{vm.get('image')}"
    )


def queued(name: str) -> dict[str, Any]:
    """A start or create whose VM no worker has room for yet: not an error in Orchard."""
    return {
        "message": f"VM {name} is queued: no worker has a free slot for it now; Orchard "
        "starts it as soon as one frees up",
        "queued": True,
        "ip_address": None,
        "vnc_url": None,
    }
