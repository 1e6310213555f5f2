"""`tart ip`: boot delay, Tart's retry loop, failure texts and exit codes (§5 ip)."""

from __future__ import annotations

import time

from taartenfabriek.sim.network import ip_for_mac
from tests.simtools import TartSim

MAC = "5a:00:00:00:01:02"


def test_ip_before_boot_then_after(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm", mac=MAC)
    # Three seconds of boot leave room for a slow process start on a loaded machine.
    env = dict(tart_sim.env, TART_SIM_BOOT_SECONDS="3")
    tart_sim.spawn("run", "vm", "--no-graphics", env=env)
    tart_sim.wait_until(lambda: tart_sim.is_running("vm"))
    early = tart_sim.run("ip", "vm")
    assert (early.returncode, early.stdout, early.stderr) == (1, "", "no IP address found\n")
    started = time.monotonic()
    waited = tart_sim.run("ip", "vm", "--wait", "20")
    assert (waited.returncode, waited.stdout, waited.stderr) == (0, f"{ip_for_mac(MAC)}\n", "")
    assert time.monotonic() - started < 15  # it answered when the lease came, not at --wait's end
    assert ip_for_mac(MAC).startswith("192.168.64.")
    assert 2 <= int(ip_for_mac(MAC).rsplit(".", 1)[1]) <= 254


def test_ip_of_a_stopped_vm(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    result = tart_sim.run("ip", "vm")
    assert (result.returncode, result.stdout, result.stderr) == (
        1, "", "no IP address found, is your VM running?\n",
    )  # fmt: skip
    result = tart_sim.run("ip", "ghost")
    assert (result.returncode, result.stderr) == (2, 'the specified VM "ghost" does not exist\n')


def test_wait_zero_sleeps_one_second_like_tart(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    env = {k: v for k, v in tart_sim.env.items() if k != "TART_SIM_IP_RETRY_SECONDS"}
    started = time.monotonic()
    assert tart_sim.run("ip", "vm", "--wait", "0", env=env).returncode == 1
    assert 1.0 <= time.monotonic() - started < 4  # the upper bound has room for a slow start


def test_wait_n_loops_until_the_deadline(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    env = dict(tart_sim.env, TART_SIM_NO_IP="vm", TART_SIM_IP_RETRY_SECONDS="0.25")
    tart_sim.spawn("run", "vm", "--no-graphics", env=env)
    tart_sim.wait_until(lambda: tart_sim.is_running("vm"))
    started = time.monotonic()
    result = tart_sim.run("ip", "vm", "--wait", "1", env=env)
    elapsed = time.monotonic() - started
    assert (result.returncode, result.stderr) == (1, "no IP address found\n")
    assert 1.0 <= elapsed < 4  # the upper bound has room for a slow process start


def test_no_ip_marker_file(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    (tart_sim.vm_dir("vm") / ".sim-no-ip").write_text("")
    tart_sim.start_vm("vm")
    time.sleep(0.4)
    assert tart_sim.run("ip", "vm").stderr == "no IP address found\n"


def test_resolver_messages(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("lin")
    tart_sim.seed_vm("mac", os_name="darwin")
    assert tart_sim.run("ip", "lin", "--resolver", "arp").stderr == (
        "no IP address found, is your VM running? "
        "(not all Linux distributions are compatible with the ARP resolver)\n"
    )
    assert tart_sim.run("ip", "mac", "--resolver", "arp").stderr == (
        "no IP address found, is your VM running?\n"
    )
    assert tart_sim.run("ip", "mac", "--resolver", "agent").stderr == (
        "no IP address found, is your VM running? "
        "(also make sure that Guest agent for Tart is running inside of a VM)\n"
    )


def test_all_resolvers_answer_for_a_booted_vm(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm", mac=MAC)
    tart_sim.start_vm("vm")
    for resolver in ("dhcp", "arp", "agent"):
        result = tart_sim.run("ip", "vm", "--resolver", resolver, "--wait", "3")
        assert result.stdout == f"{ip_for_mac(MAC)}\n"


def test_ip_is_stable_across_runs(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    addresses = set()
    for _ in range(2):
        run = tart_sim.start_vm("vm")
        addresses.add(tart_sim.run("ip", "vm", "--wait", "3").stdout)
        tart_sim.run("stop", "vm")
        run.wait(timeout=5)
    assert len(addresses) == 1


def test_changing_the_mac_of_a_running_vm_breaks_ip(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    tart_sim.start_vm("vm")
    assert tart_sim.run("ip", "vm", "--wait", "3").returncode == 0
    assert tart_sim.run("set", "vm", "--random-mac").returncode == 0
    assert tart_sim.run("ip", "vm").stderr == "no IP address found\n"


def test_stale_lease_quirk(tart_sim: TartSim) -> None:
    """macOS keeps a lease for a day and Tart's dhcp resolver never asks whether the VM runs."""
    tart_sim.seed_vm("vm", mac=MAC)
    run = tart_sim.start_vm("vm")
    assert tart_sim.run("ip", "vm", "--wait", "3").returncode == 0
    tart_sim.run("stop", "vm")
    run.wait(timeout=5)
    assert tart_sim.run("ip", "vm").stdout == f"{ip_for_mac(MAC)}\n"  # on by default
    assert tart_sim.run("ip", "vm", "--resolver", "arp").returncode == 1
    live_only = dict(tart_sim.env, TART_SIM_STALE_LEASE="0")
    assert tart_sim.run("ip", "vm", env=live_only).returncode == 1


def test_an_expired_lease_is_no_answer(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm", mac=MAC)
    short = dict(tart_sim.env, TART_SIM_LEASE_SECONDS="1")
    run = tart_sim.spawn("run", "vm", "--no-graphics", env=short)
    # The lease file, not `tart ip`, shows the lease was given: on a loaded CI machine an
    # `ip` process could start after the one-second lease had already run out.
    tart_sim.wait_until(lambda: _has_lease(tart_sim), timeout=10)
    tart_sim.run("stop", "vm")
    run.wait(timeout=5)
    tart_sim.wait_until(lambda: tart_sim.run("ip", "vm").returncode == 1, timeout=10)


def test_a_restarted_vm_has_its_old_lease_before_it_boots(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm", mac=MAC)
    run = tart_sim.start_vm("vm")
    assert tart_sim.run("ip", "vm", "--wait", "3").returncode == 0
    first = _lease_expiry(tart_sim)
    tart_sim.run("stop", "vm")
    run.wait(timeout=5)
    slow = dict(tart_sim.env, TART_SIM_BOOT_SECONDS="2")
    tart_sim.spawn("run", "vm", "--no-graphics", env=slow)
    tart_sim.wait_until(lambda: tart_sim.is_running("vm"))
    assert tart_sim.run("ip", "vm").stdout == f"{ip_for_mac(MAC)}\n"  # the old lease
    assert _lease_expiry(tart_sim) == first
    tart_sim.wait_until(lambda: _lease_expiry(tart_sim) > first, timeout=5)


def _lease_expiry(tart_sim: TartSim) -> int:
    text = (tart_sim.home / ".sim-dhcpd_leases").read_text()
    blocks = [block for block in text.split("}") if "hw_address=1,5a:0:0:0:1:2" in block]
    assert len(blocks) == 1, text
    lease = next(line for line in blocks[0].splitlines() if line.strip().startswith("lease="))
    return int(lease.split("=", 1)[1], 16)


def test_the_lease_file_has_macos_format(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm", mac=MAC)
    tart_sim.start_vm("vm")
    assert tart_sim.run("ip", "vm", "--wait", "3").returncode == 0
    lines = (tart_sim.home / ".sim-dhcpd_leases").read_text().splitlines()
    assert lines[0] == "{" and lines[-1] == "}"
    assert lines[1:-1] == [
        "\tname=vm",
        f"\tip_address={ip_for_mac(MAC)}",
        "\thw_address=1,5a:0:0:0:1:2",
        "\tidentifier=1,5a:0:0:0:1:2",
        lines[5],
    ]
    expiry = int(lines[5].removeprefix("\tlease="), 16)
    assert 86000 < expiry - time.time() <= 86400


def test_resolvers_follow_the_network_mode(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("bridged", mac=MAC)
    tart_sim.seed_vm("soft", mac="5a:00:00:00:01:03")
    tart_sim.start_vm("bridged", "--net-bridged", "en0")
    tart_sim.start_vm("soft", "--net-softnet")
    time.sleep(0.35)
    assert tart_sim.run("ip", "bridged").returncode == 1  # no DHCP lease for bridged guests
    assert tart_sim.run("ip", "bridged", "--resolver", "arp").stdout == f"{ip_for_mac(MAC)}\n"
    assert tart_sim.run("ip", "soft", "--resolver", "arp").returncode == 1
    assert tart_sim.run("ip", "soft").returncode == 0
    assert tart_sim.run("ip", "soft", "--resolver", "agent").returncode == 0


def _has_lease(tart_sim: TartSim) -> bool:
    path = tart_sim.home / ".sim-dhcpd_leases"
    return path.exists() and "hw_address=1,5a:0:0:0:1:2" in path.read_text()
