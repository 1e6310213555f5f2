"""`tart run` where Tart's source differs from the first reference: virtio-fs tag lengths, the
late VM lock, and a MAC collision that throws a suspended VM's state away."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess

from tests.simtools import TartSim


def _finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=10)
    return process.returncode, out, err


def _global_lock_held(tart_sim: TartSim) -> bool:
    fd = os.open(tart_sim.home, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_mount_tags_of_36_bytes_are_refused(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    shared = tart_sim.home.parent / "shared"
    shared.mkdir()
    ok_tag = "t" * 35
    ok = tart_sim.spawn("run", "vm", "--no-graphics", "--dir", f"s:{shared}:tag={ok_tag}")
    tart_sim.wait_until(lambda: tart_sim.is_running("vm"))
    tart_sim.run("stop", "vm")
    assert _finish(ok)[0] == 0
    for flags in (["--dir", f"s:{shared}:tag={'t' * 36}"], ["--rosetta", "é" * 18]):
        result = tart_sim.run("run", "vm", "--no-graphics", *flags)
        assert result.returncode == 1, result
        assert "shorter than 36 bytes (36 bytes" in result.stderr
        assert not tart_sim.is_running("vm")


def test_run_takes_the_vm_lock_late(tart_sim: TartSim) -> None:
    """Until the VM is built `tart stop` says "not running" and SIGINT kills the run."""
    tart_sim.seed_vm("vm")
    late = dict(tart_sim.env, TART_SIM_LOCK_SECONDS="30")
    run = tart_sim.spawn("run", "vm", "--no-graphics", env=late)
    tart_sim.wait_until(lambda: _global_lock_held(tart_sim))  # building the VM
    stop = tart_sim.run("stop", "vm")
    assert (stop.returncode, stop.stderr) == (2, 'VM "vm" is not running\n')
    run.send_signal(signal.SIGINT)
    assert run.wait(timeout=5) == -signal.SIGINT
    assert not tart_sim.is_running("vm")


def test_a_mac_collision_discards_the_saved_state(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("one", os_name="darwin", mac="aa:bb:cc:dd:ee:01")
    tart_sim.seed_vm("two", os_name="darwin", mac="aa:bb:cc:dd:ee:01", suspended=True)
    tart_sim.start_vm("one")
    two = tart_sim.start_vm("two")
    assert not (tart_sim.vm_dir("two") / "state.vzvmsave").exists()
    tart_sim.run("stop", "two")
    code, out, _err = _finish(two)
    assert code == 0
    assert "Resetting VM to assign a new MAC address..." in out
    assert "resuming VM..." not in out  # it booted fresh: the snapshot is gone


def test_vnc_takes_an_earlier_runs_lease_at_once(tart_sim: TartSim) -> None:
    """Screen Sharing's URL comes from the dhcp resolver, stale leases included."""
    tart_sim.seed_vm("vm")
    first = tart_sim.start_vm("vm", "--vnc")
    tart_sim.wait_until(lambda: tart_sim.run("ip", "vm").returncode == 0)
    tart_sim.run("stop", "vm")
    assert _finish(first)[0] == 0
    slow = dict(tart_sim.env, TART_SIM_BOOT_SECONDS="30")
    again = tart_sim.spawn("run", "vm", "--vnc", "--no-graphics", env=slow)
    assert again.stdout is not None
    line = again.stdout.readline()  # long before the guest boots
    assert line.startswith("VNC server is running at vnc://192.168.64."), line
    tart_sim.run("stop", "vm")
    again.wait(timeout=10)
