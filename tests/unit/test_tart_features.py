"""Tart versions and hosts: what `tart --version` says, and what each release or Mac allows."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from taartenfabriek.tart.features import (
    FEATURES,
    MINIMUM,
    argv_refusal,
    features_of,
    minimum_refusal,
    parse_version,
    refusal,
)
from taartenfabriek.tart.host import CURRENT_MACOS, Host, allowances, detect, softnet_refusal


@pytest.mark.parametrize(
    ("text", "release", "snapshot"),
    [
        ("2.32.1\n", (2, 32, 1), False),
        ("2.6", (2, 6, 0), False),
        ("tart version 2.27.2", (2, 27, 2), False),
        ("SNAPSHOT\n", None, True),
        ("", None, False),
        ("something else", None, False),
    ],
)
def test_parse_version(text: str, release: tuple[int, int, int] | None, snapshot: bool) -> None:
    parsed = parse_version(text)
    assert (parsed.release, parsed.snapshot) == (release, snapshot)


def test_a_development_build_and_an_unreadable_answer_allow_everything() -> None:
    for text in ("SNAPSHOT", "nonsense"):
        release = parse_version(text)
        assert all(refusal(release, key) is None for key in FEATURES)
        assert minimum_refusal(release) is None
    assert parse_version("SNAPSHOT").label == "a development build (SNAPSHOT)"


@pytest.mark.parametrize(
    ("key", "needed", "older", "newer"),
    [
        ("exec", "2.27.0", "2.26.1", "2.27.0"),
        ("ip-agent", "2.28.0", "2.27.3", "2.28.0"),
        ("shutdown", "2.12.0", "2.11.9", "2.12.0"),
        ("random-mac", "2.10.0", "2.9.1", "2.10.0"),
        ("dir-tag", "2.6.0", "2.5.0", "2.6.0"),
        ("net-host", "2.7.0", "2.6.0", "2.7.0"),
        ("accessed", "2.31.0", "2.30.6", "2.31.0"),
        ("suspendable-dirs", "2.27.2", "2.27.1", "2.27.2"),
    ],
)
def test_each_gate_names_the_release_it_needs(
    key: str, needed: str, older: str, newer: str
) -> None:
    reason = refusal(parse_version(older), key)
    assert reason is not None and f"Tart {needed} or newer" in reason and older in reason
    assert refusal(parse_version(newer), key) is None
    assert refusal(None, key) is None  # unknown: never refused on a guess


def test_argv_gates() -> None:
    old = parse_version("2.5.0")
    cases = {
        ("exec", "-i", "vm", "sh"): ["exec"],
        ("ip", "vm", "--wait", "0", "--resolver", "agent"): ["ip-agent"],
        ("ip", "vm", "--resolver=agent"): ["ip-agent"],
        ("ip", "vm", "--resolver", "arp"): [],
        ("set", "vm", "--random-mac"): ["random-mac"],
        ("run", "--net-host", "--dir", "a:/x:ro,tag=t", "--suspendable", "vm"): [
            "net-host",
            "dir-tag",
            "suspendable-dirs",
        ],
        ("run", "--dir", "a:/x:ro", "vm"): [],
        ("list", "--format", "json"): [],
    }
    for args, expected in cases.items():
        assert features_of(args) == expected, args
        assert (argv_refusal(old, args) is None) == (not expected)
    assert "2.7.0" in (argv_refusal(old, ["run", "--net-host", "vm"]) or "")


def test_minimum() -> None:
    assert MINIMUM == (2, 0, 0)
    reason = minimum_refusal(parse_version("1.9.2"))
    assert reason is not None and "2.0.0" in reason
    assert minimum_refusal(parse_version("2.0.0")) is None


def test_host_rules() -> None:
    intel = Host(is_mac=True, apple_silicon=False, macos=(15, 5, 0))
    for key in ("vnc", "vnc-experimental", "suspendable", "rosetta"):
        assert "Apple silicon" in (intel.refusal(key) or "")
    assert intel.refusal("exec") is None and intel.refusal("suspend") is None
    ventura = Host(is_mac=True, apple_silicon=True, macos=(13, 6, 0))
    assert "macOS 14" in (ventura.refusal("suspend") or "")
    assert "macOS 13.6" in (ventura.refusal("exec") or "")
    assert ventura.refusal("vnc") is None


def test_a_host_that_is_not_a_mac_allows_everything() -> None:
    host = detect("linux")
    assert (host.is_mac, host.apple_silicon, host.macos) == (False, True, CURRENT_MACOS)
    assert all(reason is None for reason in allowances(parse_version("2.32.1"), host).values())
    old = allowances(parse_version("2.26.0"), host)
    assert old["exec"] is not None and old["shutdown"] is None


def test_softnet_is_ready_only_when_suid_root(tmp_path: Path) -> None:
    assert "not on the PATH" in (softnet_refusal(str(tmp_path)) or "")
    binary = tmp_path / "softnet"
    binary.write_text("#!/bin/sh\nexit 0\n")
    binary.chmod(0o755)
    reason = softnet_refusal(str(tmp_path))
    if os.geteuid() != 0 or not shutil.which("sudo"):
        assert (
            reason is not None and "not set up yet" in reason and "once from a terminal" in reason
        )
    mac = Host(is_mac=True, apple_silicon=True, macos=(15, 0, 0))
    assert detect("linux").refusal("softnet") is None  # a stand-in host: available
    assert "softnet" in mac.allowed()
