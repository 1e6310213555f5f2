"""Start-option models, run flags and per-VM records, without a server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from taartenfabriek.backends.local_lifecycle import start_flags
from taartenfabriek.core.errors import InvalidInput
from taartenfabriek.core.models import ConfigUpdate, CreateEmptyRequest, RenameRequest
from taartenfabriek.operations.start_checks import check_for_tart, check_for_vm
from taartenfabriek.operations.start_options import (
    StartRequest,
    VMStartOptions,
)
from taartenfabriek.operations.vmrecords import VMRecords
from taartenfabriek.tart import argv
from taartenfabriek.tart.features import parse_version
from taartenfabriek.tart.host import Host, allowances


def flags(**options: object) -> list[str]:
    return start_flags(VMStartOptions.model_validate(options).to_backend())


def test_default_options_are_the_seeds_run() -> None:
    assert flags() == ["--vnc", "--no-graphics"]
    assert argv.run("vm", flags()) == argv.run("vm")


def test_every_option_becomes_its_own_flags() -> None:
    assert flags(display="none") == ["--no-graphics"]
    assert flags(display="vnc-experimental") == ["--vnc-experimental", "--no-graphics"]
    assert flags(network="softnet") == ["--vnc", "--no-graphics", "--net-softnet"]
    assert flags(network="host") == ["--vnc", "--no-graphics", "--net-host"]
    assert flags(network="bridged", bridged_interface="Wi-Fi")[2:] == ["--net-bridged", "Wi-Fi"]
    assert flags(rosetta_tag="rosetta")[2:] == ["--rosetta", "rosetta"]
    assert flags(suspendable=True)[2:] == ["--suspendable"]
    assert flags(
        display="none",
        dirs=["src:/Users/me/src", {"name": "data", "path": "/data", "read_only": True}],
        disks=["/isos/debian.iso:ro", {"path": "/images/extra.img"}],
    ) == [
        "--no-graphics",
        "--dir",
        "src:/Users/me/src",
        "--dir",
        "data:/data:ro",
        "--disk",
        "/isos/debian.iso:ro",
        "--disk",
        "/images/extra.img",
    ]
    assert argv.dir_spec("b", "/x", read_only=True, tag="build") == "b:/x:ro,tag=build"
    assert argv.dir_spec("b", "/x", tag="build") == "b:/x:tag=build"


def test_bridged_interface_only_with_bridged_networking() -> None:
    assert VMStartOptions(network="nat", bridged_interface="en0").bridged_interface is None
    with pytest.raises(ValidationError, match="bridged_interface"):
        VMStartOptions(network="bridged")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"dirs": ["src:relative/path"]}, "absolute path"),
        ({"dirs": ["../up:/tmp"]}, "not a safe share name"),
        ({"dirs": ["-rf:/tmp"]}, "not a safe share name"),
        ({"dirs": ["/tmp"]}, "name:path"),
        ({"dirs": ["a:/tmp", "A:/var"]}, "own name"),
        ({"dirs": ["a:/tmp,x"]}, "','"),
        ({"disks": ["relative.iso"]}, "absolute path"),
        ({"disks": ["/isos/ubuntu-24.04-live-server-amd64.iso"]}, "arm64"),
        ({"disks": ["/isos/debian-12.8.0-amd64-netinst.iso"]}, "arm64"),
        ({"disks": ["/isos/Fedora-Server-dvd-x86_64-41-1.4.iso"]}, "arm64"),
        ({"disks": ["/isos/alpine-virt-3.20.3-x86_64.iso"]}, "arm64"),
        ({"disks": ["/a:b/c.iso"]}, "':'"),
        ({"bridged_interface": "-x", "network": "bridged"}, "interface"),
        ({"rosetta_tag": "--evil"}, "mount tag"),
        ({"rosetta_tag": "r" * 36}, "fewer than 36 bytes"),
        ({"dirs": [{"name": "a", "path": "/tmp", "tag": "t" * 36}]}, "fewer than 36 bytes"),
        ({"display": "window"}, "display"),
        ({"extra": 1}, "extra"),
    ],
)
def test_invalid_options(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        VMStartOptions.model_validate(options)


def test_mount_tags_up_to_35_bytes_are_taken() -> None:
    """Virtualization.framework's limit (Tart Run.swift:743): fewer than 36 bytes."""
    options = VMStartOptions.model_validate(
        {"rosetta_tag": "r" * 35, "dirs": [{"name": "a", "path": "/tmp", "tag": "t" * 35}]}
    )
    assert options.rosetta_tag == "r" * 35 and options.dirs[0].tag == "t" * 35


@pytest.mark.parametrize(
    "iso",
    [
        "/isos/ubuntu-24.04-live-server-arm64.iso",
        "/isos/debian-12.8.0-arm64-netinst.iso",
        "/isos/Fedora-Server-dvd-aarch64-41-1.4.iso",
        "/isos/gamd64x.iso",  # "amd64" inside a word is no architecture
        "/isos/amd64-notes.img",  # not an installer ISO
    ],
)
def test_arm64_and_other_disks_are_accepted(iso: str) -> None:
    assert VMStartOptions.model_validate({"disks": [iso]}).disks[0].path == iso


def test_check_for_vm(tmp_path: Path) -> None:
    iso = tmp_path / "installer.iso"
    iso.write_bytes(b"x")
    ok = VMStartOptions.model_validate({"dirs": [f"d:{tmp_path}"], "disks": [f"{iso}:ro"]})
    check_for_vm(ok, os_name="linux", suspended=False)
    cases = [
        ({"suspendable": True}, "linux", False, "macOS guests only"),
        ({"rosetta_tag": "rosetta"}, "darwin", False, "Linux guests"),
        ({"dirs": [f"d:{tmp_path}/missing"]}, "linux", False, "not a folder"),
        ({"disks": [str(tmp_path / "missing.iso")]}, "linux", False, "does not exist"),
        ({"disks": [str(tmp_path)]}, "linux", False, "is a folder"),
    ]
    for options, os_name, suspended, message in cases:
        with pytest.raises(InvalidInput, match=message):
            check_for_vm(
                VMStartOptions.model_validate(options), os_name=os_name, suspended=suspended
            )


def test_start_request_merges_over_saved_options() -> None:
    saved = VMStartOptions(display="none", network="bridged", bridged_interface="en0")
    assert StartRequest().merged(saved) == saved
    merged = StartRequest(suspendable=True).merged(saved)
    assert merged.suspendable and merged.display == "none" and merged.bridged_interface == "en0"
    assert StartRequest(network="nat").merged(saved).bridged_interface is None
    assert (
        StartRequest.model_validate({"dirs": []})
        .merged(
            VMStartOptions(dirs=["a:/tmp"])  # type: ignore[list-item]
        )
        .dirs
        == []
    )


def test_records_persist_case_insensitively_and_follow_renames(tmp_path: Path) -> None:
    path = tmp_path / "state" / "vms.json"
    records = VMRecords(path)
    options = VMStartOptions(display="none")
    records.set_start_options("Dev", options)
    assert oct(path.stat().st_mode & 0o777) == "0o600"

    again = VMRecords(path)
    assert again.start_options("dev") == options
    again.rename("dev", "prod")
    assert again.start_options("Dev") is None
    assert VMRecords(path).start_options("prod") == options
    again.forget("PROD")
    assert VMRecords(path).start_options("prod") is None


def test_a_last_run_of_an_older_file_is_dropped(tmp_path: Path) -> None:
    """Runs are recorded with their logs now (runlogs.py); vms.json keeps start options only."""
    path = tmp_path / "vms.json"
    entry = {"start_options": {"display": "none"}, "last_run": {"pid": 1}}
    path.write_text(json.dumps({"version": 1, "vms": {"dev": entry}}))
    records = VMRecords(path)
    assert records.start_options("dev") == VMStartOptions(display="none")
    records.set_start_options("other", VMStartOptions())
    assert "last_run" not in json.loads(path.read_text())["vms"]["dev"]


def test_unreadable_records_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "vms.json"
    path.write_text("{not json")
    assert VMRecords(path).start_options("x") is None
    path.write_text('{"vms": {"x": {"start_options": {"display": "window"}}}}')
    assert VMRecords(path).start_options("x") is None


def test_request_bodies() -> None:
    with pytest.raises(ValidationError, match="nothing to change"):
        ConfigUpdate()
    with pytest.raises(ValidationError, match="not both"):
        ConfigUpdate(memory=8, memory_mb=8192)
    with pytest.raises(ValidationError):
        ConfigUpdate(display="1920 x 1080")
    assert ConfigUpdate(memory=8).memory_in_mb == 8192
    assert ConfigUpdate(random_mac=True).random_mac
    assert ConfigUpdate(display="1920x1080px").display == "1920x1080px"
    with pytest.raises(ValidationError):
        RenameRequest(new_name="-bad")
    with pytest.raises(ValidationError, match="ipsw installs macOS"):
        CreateEmptyRequest(name="a", os="linux", ipsw="latest")
    with pytest.raises(ValidationError, match="Linux installers"):
        CreateEmptyRequest(name="a", os="macos", iso="/x.iso")
    with pytest.raises(ValidationError, match="ipsw is"):
        CreateEmptyRequest(name="a", os="macos", ipsw="--help")
    assert CreateEmptyRequest(name="a", os="macos", ipsw="https://x/y.ipsw").ipsw


@pytest.mark.parametrize("bad", ["-rf", "--help", ""])
def test_run_flag_values_never_become_flags(bad: str) -> None:
    with pytest.raises((ValueError, InvalidInput)):
        argv.run_flags(network="bridged", bridged_interfaces=[bad])
    with pytest.raises((ValueError, InvalidInput)):
        argv.run_flags(rosetta_tag=bad)
    with pytest.raises((ValueError, InvalidInput)):
        argv.disk_spec(bad)
    with pytest.raises((ValueError, InvalidInput)):
        argv.create_from_ipsw("vm", bad)


def test_check_for_tart(tmp_path: Path) -> None:
    """Shared folders on a suspendable (or suspended) VM: refused before Tart 2.27.2 only."""
    both = VMStartOptions.model_validate({"suspendable": True, "dirs": [f"d:{tmp_path}"]})
    dirs = VMStartOptions.model_validate({"dirs": [f"d:{tmp_path}"]})
    old, new = parse_version("2.27.1"), parse_version("2.27.2")
    words = r"2\.27\.2 or newer.*remove the shared folders, or turn Suspendable off"
    with pytest.raises(InvalidInput, match=words):
        check_for_tart(both, refusals=allowances(old, None))
    with pytest.raises(InvalidInput, match=r"2\.27\.2 or newer.*is suspended"):
        check_for_tart(dirs, refusals=allowances(old, None), suspended=True)
    check_for_tart(dirs, refusals=allowances(old, None))
    for options, suspended in ((both, False), (dirs, True)):
        check_for_tart(options, refusals=allowances(new, None), suspended=suspended)
        check_for_vm(options, os_name="darwin", suspended=suspended)
    intel = Host(is_mac=True, apple_silicon=False, macos=(15, 0, 0))
    with pytest.raises(InvalidInput, match=r"Apple silicon.*choose display none"):
        check_for_tart(VMStartOptions(), refusals=allowances(new, intel))
    check_for_tart(VMStartOptions(display="none"), refusals=allowances(new, intel))


def test_softnet_is_refused_on_a_mac_where_it_is_not_set_up(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no softnet anywhere
    monkeypatch.setattr("taartenfabriek.tart.host._softnet_cache", None)
    mac = Host(is_mac=True, apple_silicon=True, macos=(15, 0, 0))
    with pytest.raises(InvalidInput, match=r"softnet is not on the PATH.*once from a terminal"):
        check_for_tart(VMStartOptions(network="softnet"), refusals=allowances(None, mac))
    check_for_tart(VMStartOptions(network="nat"), refusals=allowances(None, mac))
    not_a_mac = Host(is_mac=False, apple_silicon=True, macos=(26, 0, 0))
    check_for_tart(VMStartOptions(network="softnet"), refusals=allowances(None, not_a_mac))
