"""The DHCP lease file as Tart reads it (Tart Leases.swift, Lease.swift, LeasesTests.swift),
and the start's judgement of whether `tart ip`'s answer comes from this run's guest."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from taartenfabriek.tart.leases import BootWatch, Lease, current, normal_mac, parse

MAC = "11:22:33:44:55:66"


def _block(ip: str, expires: float, mac: str = MAC, indent: str = "\t") -> str:
    return (
        f"{{\n{indent}name=whatever\n{indent}ip_address={ip}\n{indent}hw_address=1,{mac}\n"
        f"{indent}identifier=1,{mac}\n{indent}lease={hex(int(expires))}\n}}\n"
    )


def test_expired_leases_are_no_answer_and_the_latest_expiry_wins() -> None:
    now = time.time()
    text = (
        _block("66.66.66.66", now - 1)
        + _block("1.2.3.4", now + 600, indent="  ")
        + _block("192.168.64.2", now + 300)
    )
    leases = parse(text)
    assert len(leases) == 3
    found = current(leases, MAC, now)
    assert found is not None and found.ip == "1.2.3.4"
    assert current(leases, "aa:bb:cc:dd:ee:ff", now) is None


def test_bootpd_writes_octets_without_leading_zeros() -> None:
    (lease,) = parse(_block("192.168.64.3", 2_000_000_000, mac="6e:4d:a5:8f:b2:3"))
    assert lease == Lease(mac="6e:4d:a5:8f:b2:03", ip="192.168.64.3", expires=2_000_000_000)
    assert normal_mac("6E:4D:A5:8F:B2:03") == "6e:4d:a5:8f:b2:03"
    assert normal_mac("not a mac") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{\n{\n", "block start"),
        ("}\n", "block end"),
        ("{\nname\n}\n", "only a key"),
        ("{\nname=x\n", "truncated"),
    ],
)
def test_malformed_files_are_refused_like_tart(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse(text)


def test_blocks_tart_skips() -> None:
    text = "{\n\tip_address=1.2.3.4\n\tlease=0x7fffffff\n}\n" + "{\n\thw_address=6,x\n}\n"
    assert parse(text) == []


def _vm(home: Path, mac: str = MAC.upper()) -> None:
    folder = home / "vms" / "dev"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps({"macAddress": mac}))


def test_a_start_counts_only_a_lease_that_changed(tmp_path: Path) -> None:
    leases = tmp_path / "dhcpd_leases"
    _vm(tmp_path)
    old = time.time() + 3600
    leases.write_text(_block("192.168.64.9", old))
    watch = BootWatch(leases, tmp_path, "dev", resuming=False)
    assert watch.fresh("192.168.64.9") is False  # the earlier run's lease
    leases.write_text(_block("192.168.64.9", old + 5))  # the guest asked again
    assert watch.fresh("192.168.64.9") is True
    assert watch.fresh("192.168.64.10") is False  # tart ip answered something else


def test_where_it_cannot_judge_it_trusts_tart_ip(tmp_path: Path) -> None:
    leases = tmp_path / "dhcpd_leases"
    leases.write_text(_block("192.168.64.9", time.time() + 3600))
    assert BootWatch(tmp_path / "missing", tmp_path, "dev", resuming=False).fresh("1.1.1.1")
    assert BootWatch(leases, tmp_path, "dev", resuming=False).fresh("1.1.1.1")  # no config
    _vm(tmp_path)
    assert BootWatch(leases, tmp_path, "dev", resuming=True).fresh("192.168.64.9")
    assert BootWatch(leases, None, "dev", resuming=False).fresh("192.168.64.9")


def test_an_ip_from_another_resolver_is_trusted(tmp_path: Path) -> None:
    leases = tmp_path / "dhcpd_leases"
    leases.write_text(_block("192.168.64.9", time.time() + 3600))
    _vm(tmp_path)
    assert BootWatch(leases, tmp_path, "dev", resuming=False, dhcp=False).fresh("10.0.0.5")
