"""Tart's VM-limit failure, explained in plain words."""

from __future__ import annotations

from taartenfabriek.care.limits import explain_limit


def test_the_limit_names_the_running_vms() -> None:
    text = explain_limit(
        "The number of VMs exceeds the system limit (other running VMs: sonoma, sequoia)"
    )
    assert text is not None
    assert "at most two macOS VMs" in text and "sonoma and sequoia are running" in text
    assert "Stop one of them" in text


def test_a_leaked_slot_is_explained() -> None:
    text = explain_limit("The number of VMs exceeds the system limit")
    assert text is not None and "restart of the Mac" in text and "#445" in text


def test_other_failures_are_left_alone() -> None:
    assert explain_limit('VM "dev" is already running!') is None
    assert explain_limit("IPNotFound()") is None
