"""TART_SIM_VERSION: an older Tart lacks what later releases added, as the real one does."""

from __future__ import annotations

import json
import signal

from tests.simtools import TartSim


def _old(sim: TartSim, version: str) -> dict[str, str]:
    return {**sim.env, "TART_SIM_VERSION": version}


def test_version_is_printed(tart_sim: TartSim) -> None:
    assert tart_sim.run("--version").stdout == "2.32.1\n"
    assert tart_sim.run("--version", env=_old(tart_sim, "SNAPSHOT")).stdout == "SNAPSHOT\n"


def test_commands_and_flags_an_old_tart_does_not_know(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    env = _old(tart_sim, "2.5.0")
    cases = [
        (("exec", "vm", "true"), "Error: Unexpected argument 'exec'\nUsage: tart <subcommand>"),
        (("set", "vm", "--random-mac"), "Error: Unknown option '--random-mac'\nUsage: tart set"),
        (("run", "vm", "--net-host"), "Error: Unknown option '--net-host'\nUsage: tart run"),
        (
            ("ip", "vm", "--resolver", "agent"),
            "Error: The value 'agent' is invalid for '--resolver <resolver>'. Please provide "
            "one of 'dhcp' and 'arp'.\nUsage: tart ip",
        ),
    ]
    for args, start in cases:
        result = tart_sim.run(*args, env=env)
        assert result.returncode == 64 and result.stderr.startswith(start), (args, result)
    assert tart_sim.run("set", "vm", "--random-mac").returncode == 0  # 2.32.1 knows them


def test_list_before_2_31_has_no_accessed(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    old = json.loads(tart_sim.run("list", "--format", "json", env=_old(tart_sim, "2.30.6")).stdout)
    assert sorted(old[0]) == ["Disk", "Name", "Running", "Size", "SizeOnDisk", "Source", "State"]
    new = json.loads(tart_sim.run("list", "--format", "json").stdout)
    assert "Accessed" in new[0] and "SizeOnDisk" not in new[0]


def test_suspendable_with_dirs_refused_before_2_27_2(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("mac", os_name="darwin")
    args = ("run", "mac", "--no-graphics", "--suspendable", "--dir", f"src:{tart_sim.home}")
    result = tart_sim.run(*args, env=_old(tart_sim, "2.27.1"))
    assert result.returncode == 64
    assert result.stderr.startswith(
        "Error: Suspending VMs with shared directories is not supported\n"
    )
    run = tart_sim.spawn(*args)  # 2.32.1: allowed (#1082)
    tart_sim.wait_until(lambda: (tart_sim.vm_dir("mac") / ".sim-run.json").exists())
    run.send_signal(signal.SIGINT)
    assert run.wait(timeout=10) == 0


def test_sigusr2_kills_a_run_before_2_12(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    run = tart_sim.spawn("run", "vm", "--no-graphics", env=_old(tart_sim, "2.11.0"))
    tart_sim.wait_until(lambda: (tart_sim.vm_dir("vm") / ".sim-run.json").exists())
    run.send_signal(signal.SIGUSR2)
    assert run.wait(timeout=10) == -signal.SIGUSR2
    assert "Requesting guest OS to stop" not in (run.stdout.read() if run.stdout else "")
