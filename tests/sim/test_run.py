"""`run`, `stop`, `suspend` and the VM lock, with real processes (§3.2, §5 run/stop/suspend)."""

from __future__ import annotations

import json
import re
import signal
import time

import pytest

from taartenfabriek.sim.network import ip_for_mac
from tests.simtools import TartSim


def _finish(process: object, timeout: float = 10) -> tuple[int, str, str]:
    import subprocess

    assert isinstance(process, subprocess.Popen)
    stdout, stderr = process.communicate(timeout=timeout)
    return process.returncode, stdout, stderr


def _state(sim: TartSim, name: str) -> str:
    return str(json.loads(sim.run("get", name, "--format", "json").stdout)["State"])


def test_run_holds_the_lock_until_stopped(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    run = tart_sim.start_vm("vm")
    assert tart_sim.lock_holder("vm") == run.pid
    listed = json.loads(tart_sim.run("list", "--format", "json").stdout)
    assert (listed[0]["State"], listed[0]["Running"]) == ("running", True)
    info = json.loads((tart_sim.vm_dir("vm") / ".sim-run.json").read_text())
    assert info["pid"] == run.pid
    assert info["argv"] == ["run", "vm", "--no-graphics"]

    second = tart_sim.run("run", "vm", "--no-graphics")
    assert (second.returncode, second.stdout, second.stderr) == (
        2, "", 'VM "vm" is already running!\n',
    )  # fmt: skip

    stop = tart_sim.run("stop", "vm")
    assert (stop.returncode, stop.stdout, stop.stderr) == (0, "", "")
    assert _finish(run) == (0, "Stopping VM...\n", "")
    assert _state(tart_sim, "vm") == "stopped"
    assert not (tart_sim.vm_dir("vm") / ".sim-run.json").exists()


def test_sigkilled_run_is_not_running(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    run = tart_sim.start_vm("vm")
    run.kill()
    run.wait()
    assert _state(tart_sim, "vm") == "stopped"
    result = tart_sim.run("stop", "vm")
    assert (result.returncode, result.stderr) == (2, 'VM "vm" is not running\n')
    assert tart_sim.start_vm("vm").poll() is None  # a stale .sim-run.json does not matter


def test_run_missing_vm_is_exit_1(tart_sim: TartSim) -> None:
    result = tart_sim.run("run", "ghost", "--no-graphics")
    assert (result.returncode, result.stdout, result.stderr) == (
        1, "", 'Error: the specified VM "ghost" does not exist\n',
    )  # fmt: skip
    result = tart_sim.run("run", "ghcr.io/cirruslabs/ubuntu:latest")
    assert result.stderr == (
        'Error: the specified VM "ghcr.io/cirruslabs/ubuntu:latest" does not exist\n'
    )


def test_delete_refuses_a_running_vm(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    tart_sim.start_vm("vm")
    result = tart_sim.run("delete", "vm")
    assert (result.returncode, result.stdout, result.stderr) == (1, "", 'VM "vm" is running\n')
    assert tart_sim.vm_dir("vm").exists()
    assert tart_sim.is_running("vm")


def test_stop_timeout_kills(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    slow = dict(tart_sim.env, TART_SIM_STOP_SECONDS="30")
    run = tart_sim.spawn("run", "vm", "--no-graphics", env=slow)
    tart_sim.wait_until(lambda: tart_sim.is_running("vm"))
    started = time.monotonic()
    result = tart_sim.run("stop", "vm", "--timeout", "1")
    elapsed = time.monotonic() - started
    assert result.returncode == 0
    assert 0.9 < elapsed < 10  # killed at the timeout, not after the 30 s stop
    assert run.wait(timeout=5) == -signal.SIGKILL
    tart_sim.wait_until(lambda: not tart_sim.is_running("vm"))


def test_stop_timeout_zero_and_short_option(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    run = tart_sim.start_vm("vm")
    assert tart_sim.run("stop", "vm", "-t", "0").returncode == 0
    assert run.wait(timeout=5) in (0, -signal.SIGKILL)


def test_stop_errors(tart_sim: TartSim) -> None:
    result = tart_sim.run("stop", "ghost")
    assert (result.returncode, result.stderr) == (2, 'the specified VM "ghost" does not exist\n')
    tart_sim.seed_vm("vm")
    result = tart_sim.run("stop", "vm")
    assert (result.returncode, result.stderr) == (2, 'VM "vm" is not running\n')


def test_limit_of_two_macos_vms(tart_sim: TartSim) -> None:
    for name in ("a", "b", "c"):
        tart_sim.seed_vm(name, os_name="darwin")
    tart_sim.seed_vm("linux")
    tart_sim.start_vm("a")
    tart_sim.start_vm("b")
    tart_sim.start_vm("linux")  # Linux guests do not count
    slow_refusal = {**tart_sim.env, "TART_SIM_BOOT_SECONDS": "0", "TART_SIM_LIMIT_SECONDS": "1"}
    third = tart_sim.spawn("run", "c", "--no-graphics", env=slow_refusal)
    tart_sim.wait_until(lambda: tart_sim.is_running("c") or third.poll() is not None)
    assert _state(tart_sim, "c") == "running"  # briefly, like Tart
    assert tart_sim.run("ip", "c", "--wait", "0").returncode != 0  # a refused guest never boots
    assert _finish(third) == (
        1, "", "The number of VMs exceeds the system limit (other running VMs: a, b)\n",
    )  # fmt: skip
    assert _state(tart_sim, "c") == "stopped"


def test_suspend_and_resume(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("mac", os_name="darwin")
    run = tart_sim.start_vm("mac", "--suspendable")
    assert tart_sim.run("suspend", "mac").returncode == 0
    assert _finish(run) == (
        0,
        "pausing VM to take a snapshot...\n"
        "creating a snapshot...\n"
        "snapshot created successfully! shutting down the VM...\n",
        "",
    )
    assert (tart_sim.vm_dir("mac") / "state.vzvmsave").exists()
    assert _state(tart_sim, "mac") == "suspended"

    resumed = tart_sim.start_vm("mac")  # suspended implies --suspendable
    assert tart_sim.run("ip", "mac").returncode == 0  # resumed guests keep their network
    tart_sim.run("stop", "mac")
    assert _finish(resumed) == (
        0, "restoring VM state from a snapshot...\nresuming VM...\nStopping VM...\n", "",
    )  # fmt: skip
    assert not (tart_sim.vm_dir("mac") / "state.vzvmsave").exists()


def test_suspend_without_suspendable_kills_the_run(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("mac", os_name="darwin")
    run = tart_sim.start_vm("mac")
    assert tart_sim.run("suspend", "mac").returncode == 0
    code, stdout, stderr = _finish(run)
    assert (code, stderr) == (1, "")
    assert stdout.startswith("Failed to suspend the VM: ")
    assert _state(tart_sim, "mac") == "stopped"


def test_suspend_errors_and_stopping_a_suspended_vm(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("mac", os_name="darwin", suspended=True)
    result = tart_sim.run("suspend", "mac")
    assert (result.returncode, result.stderr) == (
        2,
        'VM "VM "mac" is not running" is not running\n',
    )
    assert tart_sim.run("stop", "mac").returncode == 0
    assert _state(tart_sim, "mac") == "stopped"
    tart_sim.seed_vm("lin")
    result = tart_sim.run("run", "lin", "--suspendable")
    assert result.returncode == 64
    assert result.stderr.startswith("Error: You can only suspend macOS VMs\nUsage: tart run ")


def test_graceful_guest_stop_on_sigusr2(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    run = tart_sim.start_vm("vm")
    run.send_signal(signal.SIGUSR2)
    assert _finish(run) == (
        0, "Requesting guest OS to stop...\nguest has stopped the virtual machine\n", "",
    )  # fmt: skip


def test_guest_shuts_down_by_itself(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    tart_sim.seed_vm("other")
    env = dict(tart_sim.env, TART_SIM_GUEST_SHUTDOWN_AFTER="vm=0.4")
    run = tart_sim.spawn("run", "vm", "--no-graphics", env=env)
    other = tart_sim.spawn("run", "other", "--no-graphics", env=env)
    assert _finish(run) == (0, "guest has stopped the virtual machine\n", "")
    assert other.poll() is None


def test_vnc_prints_the_url_once_booted(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm", mac="12:34:56:78:9a:bc")
    started = time.monotonic()
    run = tart_sim.spawn("run", "vm", "--vnc", "--no-graphics")
    assert run.stdout is not None
    assert (
        run.stdout.readline()
        == f"VNC server is running at vnc://{ip_for_mac('12:34:56:78:9a:bc')}\n"
    )
    assert time.monotonic() - started >= 0.3
    tart_sim.run("stop", "vm")
    assert _finish(run) == (0, "Stopping VM...\n", "")


def test_vnc_without_no_graphics_opens_screen_sharing(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm", mac="12:34:56:78:9a:bc")
    run = tart_sim.spawn("run", "vm", "--vnc")
    assert run.stdout is not None
    assert run.stdout.readline() == f"Opening vnc://{ip_for_mac('12:34:56:78:9a:bc')}...\n"
    ci = tart_sim.spawn("run", "vm2", "--vnc")
    assert _finish(ci)[0] == 1
    tart_sim.seed_vm("vm2", mac="12:34:56:78:9a:bd")
    ci = tart_sim.spawn("run", "vm2", "--vnc", env=dict(tart_sim.env, CI="true"))
    assert ci.stdout is not None
    assert (
        ci.stdout.readline()
        == f"VNC server is running at vnc://{ip_for_mac('12:34:56:78:9a:bd')}\n"
    )


def test_vnc_experimental_prints_a_local_url_at_once(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    env = dict(tart_sim.env, TART_SIM_BOOT_SECONDS="30")
    run = tart_sim.spawn("run", "vm", "--vnc-experimental", "--no-graphics", env=env)
    assert run.stdout is not None
    line = run.stdout.readline()
    assert re.fullmatch(
        r"VNC server is running at vnc://:[a-z]+(-[a-z]+){3}@127\.0\.0\.1:\d+\n", line
    )


def test_vnc_without_an_ip_fails(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    env = dict(tart_sim.env, TART_SIM_NO_IP="vm", TART_SIM_VNC_IP_TIMEOUT="0.5")
    run = tart_sim.spawn("run", "vm", "--vnc", "--no-graphics", env=env)
    assert _finish(run) == (1, "", "IPNotFound()\n")
    assert _state(tart_sim, "vm") == "stopped"


def test_run_flags_are_recorded_and_validated(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    flags = ["--dir", "src:/tmp:ro", "--net-softnet", "--no-audio", "--rosetta", "rosetta"]
    tart_sim.start_vm("vm", *flags)
    info = json.loads((tart_sim.vm_dir("vm") / ".sim-run.json").read_text())
    assert info["argv"] == ["run", "vm", "--no-graphics", *flags]

    errors = {
        ("--vnc", "--vnc-experimental"): "--vnc and --vnc-experimental are mutually exclusive",
        ("--net-host", "--net-softnet-allow", "10.0.0.0/8"): (
            "--net-bridged, --net-softnet and --net-host are mutually exclusive"
        ),
        ("--graphics", "--no-graphics"): "--graphics and --no-graphics are mutually exclusive",
        ("--no-graphics", "--capture-system-keys"): (
            "--captures-system-keys can only be used with the default VM view"
        ),
        ("--no-trackpad",): "--no-trackpad can only be used with macOS VMs",
    }
    for args, message in errors.items():
        result = tart_sim.run("run", "vm", *args)
        assert result.returncode == 64, args
        assert result.stderr.splitlines()[0] == f"Error: {message}"
        assert result.stderr.splitlines()[1] == "Usage: tart run [<options>] <name>"


def test_bridged_interface_must_exist(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    result = tart_sim.run("run", "vm", "--net-bridged", "list")
    assert result.returncode == 64
    assert result.stderr == (
        'Error: no bridge interfaces matched "["list"]", available interfaces: '
        '["en0 (or \\"Ethernet\\")", "en1 (or \\"Wi-Fi\\")"]\n'
        "Usage: tart <subcommand>\n"
        "  See 'tart --help' for more information.\n"
    )
    assert tart_sim.start_vm("vm", "--net-bridged", "en0").poll() is None


def test_mac_collision_at_start(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("one", mac="aa:bb:cc:dd:ee:01")
    tart_sim.seed_vm("two", mac="aa:bb:cc:dd:ee:01")
    tart_sim.start_vm("one")
    two = tart_sim.start_vm("two")
    tart_sim.run("stop", "two")
    assert _finish(two)[1] == (
        "There is already a running VM with the same MAC address!\n"
        "Resetting VM to assign a new MAC address...\n"
        "Stopping VM...\n"
    )
    config = json.loads((tart_sim.vm_dir("two") / "config.json").read_text())
    assert config["macAddress"] != "aa:bb:cc:dd:ee:01"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_other_signals_kill_the_run(tart_sim: TartSim, signum: int) -> None:
    tart_sim.seed_vm("vm")
    run = tart_sim.start_vm("vm")
    run.send_signal(signum)
    assert run.wait(timeout=5) == -signum
    assert not tart_sim.is_running("vm")


def test_set_while_running_keeps_the_lock(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    run = tart_sim.start_vm("vm")
    assert tart_sim.run("set", "vm", "--cpu", "6").returncode == 0
    assert tart_sim.lock_holder("vm") == run.pid


def test_guest_crash_knob_and_control_socket(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    env = dict(tart_sim.env, TART_SIM_GUEST_CRASH_AFTER="0.3")
    run = tart_sim.spawn("run", "vm", "--no-graphics", env=env)
    code, stdout, _ = _finish(run)
    assert code == 1
    assert stdout.startswith("guest has stopped the virtual machine due to error: ")
    assert (tart_sim.vm_dir("vm") / "control.sock").is_socket()  # left behind, like Tart's


def test_serial_console(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    run = tart_sim.spawn("run", "vm", "--no-graphics", "--serial")
    assert run.stdout is not None
    assert re.fullmatch(r"Successfully open pty /dev/pts/\d+\n", run.stdout.readline())
