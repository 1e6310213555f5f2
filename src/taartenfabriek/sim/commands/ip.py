"""`tart ip <name> [--wait N] [--resolver dhcp|arp|agent]` (§5 ip).

Loops exactly like Tart: try, sleep (1 s, TART_SIM_IP_RETRY_SECONDS), repeat while
now < start + wait; so `--wait 0` fails after one attempt and one sleep.
"""

from __future__ import annotations

import time

from .. import knobs, localstore, network, vmconfig
from ..argspec import Namespace, Spec, arg, opt
from ..errors import TartError
from ..vmdir import VMDir

SPEC = Spec(
    "ip",
    "Get VM's IP address",
    [
        arg("name", "VM name"),
        opt(
            "--wait",
            "Number of seconds to wait for a potential VM booting",
            type="uint16",
            default=0,
        ),
        opt(
            "--resolver",
            "Strategy for resolving IP address",
            type="choice",
            choices=("dhcp", "arp", "agent"),
            default="dhcp",
        ),
    ],
)


def resolve(vm: VMDir, config: dict[str, object], resolver: str) -> str | None:
    # The guest agent answers only from a live, booted guest: no stale leases.
    if resolver == "agent" and (
        knobs.in_list("TART_SIM_NO_AGENT", vm.name) or network.booted_run(vm) is None
    ):
        return None
    return network.current_ip(vm, config, resolver)


def run(ns: Namespace) -> int:
    name = str(ns.name)
    vm = localstore.open_vm(name)
    config = vm.config()
    vm.touch()
    wait = ns.wait
    assert isinstance(wait, int)
    resolver = str(ns.resolver)
    pause = knobs.seconds("TART_SIM_IP_RETRY_SECONDS", 1.0)
    deadline = time.monotonic() + wait
    while True:
        address = resolve(vm, config, resolver)
        if address is not None:
            print(address, flush=True)
            return 0
        time.sleep(pause)
        if time.monotonic() >= deadline:
            break
    message = "no IP address found"
    if not vm.running():
        message += ", is your VM running?"
    if resolver == "agent":
        message += " (also make sure that Guest agent for Tart is running inside of a VM)"
    elif resolver == "arp" and vmconfig.os_of(config) == "linux":
        message += " (not all Linux distributions are compatible with the ARP resolver)"
    raise TartError(message)
