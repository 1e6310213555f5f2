"""`tart ip`: boot delay, Tart's retry loop, failure texts and exit codes (§5 ip)."""

from __future__ import annotations

import time

from taartenfabriek.sim.network import ip_for_mac
from tests.simtools import TartSim

MAC = "5a:00:00:00:01:02"


def test_ip_before_boot_then_after(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm", mac=MAC)
    env = dict(tart_sim.env, TART_SIM_BOOT_SECONDS="1")
    tart_sim.spawn("run", "vm", "--no-graphics", env=env)
    tart_sim.wait_until(lambda: tart_sim.is_running("vm"))
    early = tart_sim.run("ip", "vm")
    assert (early.returncode, early.stdout, early.stderr) == (1, "", "no IP address found\n")
    started = time.monotonic()
    waited = tart_sim.run("ip", "vm", "--wait", "5")
    assert (waited.returncode, waited.stdout, waited.stderr) == (0, f"{ip_for_mac(MAC)}\n", "")
    assert time.monotonic() - started < 2
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
    assert 1.0 <= time.monotonic() - started < 1.8


def test_wait_n_loops_until_the_deadline(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    env = dict(tart_sim.env, TART_SIM_NO_IP="vm", TART_SIM_IP_RETRY_SECONDS="0.25")
    tart_sim.spawn("run", "vm", "--no-graphics", env=env)
    tart_sim.wait_until(lambda: tart_sim.is_running("vm"))
    started = time.monotonic()
    result = tart_sim.run("ip", "vm", "--wait", "1", env=env)
    elapsed = time.monotonic() - started
    assert (result.returncode, result.stderr) == (1, "no IP address found\n")
    assert 1.0 <= elapsed < 1.8


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
    tart_sim.seed_vm("vm", mac=MAC)
    run = tart_sim.start_vm("vm")
    assert tart_sim.run("ip", "vm", "--wait", "3").returncode == 0
    tart_sim.run("stop", "vm")
    run.wait(timeout=5)
    assert tart_sim.run("ip", "vm").returncode == 1  # off by default
    stale = dict(tart_sim.env, TART_SIM_STALE_LEASE="1")
    assert tart_sim.run("ip", "vm", env=stale).stdout == f"{ip_for_mac(MAC)}\n"
    expired = dict(stale, TART_SIM_LEASE_SECONDS="0")
    assert tart_sim.run("ip", "vm", env=expired).returncode == 1


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
