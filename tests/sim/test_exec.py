"""`tart exec`: runs on the host in a per-VM sandbox, with the command's exit code (§5 exec)."""

from __future__ import annotations

import time

from tests.simtools import TartSim


def test_exec_needs_a_running_vm(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    result = tart_sim.run("exec", "vm", "true")
    assert (result.returncode, result.stdout, result.stderr) == (2, "", 'VM "vm" is not running\n')
    result = tart_sim.run("exec", "ghost", "true")
    assert (result.returncode, result.stderr) == (2, 'the specified VM "ghost" does not exist\n')
    result = tart_sim.run("exec", "vm")
    assert result.returncode == 64
    assert result.stderr.splitlines()[0] == "Error: Missing expected argument '<command> ...'"


def test_exec_runs_the_command_and_returns_its_code(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    tart_sim.start_vm("vm")
    time.sleep(0.35)
    result = tart_sim.run("exec", "vm", "sh", "-c", "pwd; echo oops >&2; exit 7")
    assert result.returncode == 7
    assert result.stdout == f"{tart_sim.vm_dir('vm') / '.sim-guest'}\n"
    assert result.stderr == "oops\n"
    # arguments after the name are passed through verbatim, flags included
    assert tart_sim.run("exec", "vm", "echo", "--help", "-i").stdout == "--help -i\n"


def test_exec_stdin_only_with_i(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    tart_sim.start_vm("vm")
    time.sleep(0.35)
    assert tart_sim.run("exec", "-i", "vm", "cat", input="hello\n").stdout == "hello\n"
    assert tart_sim.run("exec", "vm", "cat", input="hello\n").stdout == ""


def test_exec_with_a_pty(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    tart_sim.start_vm("vm")
    time.sleep(0.35)
    result = tart_sim.run("exec", "-t", "vm", "sh", "-c", "test -t 1 && echo tty; exit 3")
    assert result.returncode == 3
    assert result.stdout.replace("\r\n", "\n") == "tty\n"


def test_exec_before_boot_or_without_agent(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    tart_sim.spawn("run", "vm", "--no-graphics", env=dict(tart_sim.env, TART_SIM_BOOT_SECONDS="30"))
    tart_sim.wait_until(lambda: tart_sim.is_running("vm"))
    result = tart_sim.run("exec", "vm", "true")
    assert result.returncode == 1
    assert result.stderr == (
        "Failed to connect to the VM using its control socket: connection refused, "
        "is the Tart Guest Agent running?\n"
    )
    tart_sim.seed_vm("other")
    tart_sim.start_vm("other")
    time.sleep(0.35)
    no_agent = dict(tart_sim.env, TART_SIM_NO_AGENT="other")
    assert tart_sim.run("exec", "other", "true", env=no_agent).returncode == 1
    missing = tart_sim.run("exec", "other", "no-such-binary-here")
    assert (missing.returncode, missing.stderr) == (
        1, 'exec: "no-such-binary-here": executable file not found in $PATH\n',
    )  # fmt: skip
