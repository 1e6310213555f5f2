"""tart/vmconfig.py reads config.json's shown fields as Tart's decoder does (VMConfig.swift),
and gives up (None: ask `tart get`) where Tart could not decode them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from taartenfabriek.tart.vmconfig import details

BASE: dict[str, Any] = {
    "version": 1,
    "os": "linux",
    "arch": "arm64",
    "cpuCountMin": 4,
    "cpuCount": 4,
    "memorySizeMin": 4294967296,
    "memorySize": 4294967296,
    "macAddress": "7a:65:e4:3b:7c:21",
    "display": {"width": 1024, "height": 768},
}


def _read(**changes: Any) -> dict[str, Any] | None:
    raw = {**BASE, **changes}
    return details(json.dumps({k: v for k, v in raw.items() if v is not None}).encode(), 50)


def test_tart_get_fields_and_units() -> None:
    assert _read() == {
        "OS": "linux",
        "CPU": 4,
        "Memory": 4096,  # MiB, as Get.swift prints it
        "Disk": 50,
        "DiskFormat": "raw",
        "Display": "1024x768",
    }


def test_defaults_tart_applies() -> None:
    got = _read(os=None, display=None, macAddress=None, cpuCountMin=None, arch=None)
    assert got is not None
    assert (got["OS"], got["Display"]) == ("darwin", "1024x768")  # VMConfig.swift:110, 139


def test_display_units_and_disk_format() -> None:
    got = _read(display={"width": 1920, "height": 1200, "unit": "pt"}, diskFormat="asif")
    assert got is not None and got["Display"] == "1920x1200pt" and got["DiskFormat"] == "asif"
    assert _read(cpuCount=8.0) is not None  # a whole number is an integer to JSONDecoder


@pytest.mark.parametrize(
    "changes",
    [
        {"cpuCount": None},
        {"cpuCount": "4"},
        {"cpuCount": True},
        {"cpuCount": 4.5},
        {"memorySize": "4G"},
        {"memorySize": -1},
        {"os": "windows"},
        {"display": {"width": 1024}},
        {"display": {"width": 1024, "height": 768, "unit": "cm"}},
        {"display": "1024x768"},
    ],
)
def test_a_shown_field_tart_could_not_decode_gives_up(changes: dict[str, Any]) -> None:
    assert _read(**changes) is None


@pytest.mark.parametrize("text", [b"", b"{", b"[]", b"null", b"\xff"])
def test_not_a_config_gives_up(text: bytes) -> None:
    assert details(text, 50) is None
