"""Secrets never reach a log line or a run log shown in the UI."""

from __future__ import annotations

from taartenfabriek.core.logs import redact


def test_vnc_passwords_are_hidden() -> None:
    line = "VNC server is running at vnc://:abandon-ability-able-about@127.0.0.1:5901"
    assert redact(line) == "VNC server is running at vnc://:[redacted]@127.0.0.1:5901"
    assert redact("vnc://admin:secret@192.168.64.2") == "vnc://admin:[redacted]@192.168.64.2"


def test_plain_addresses_are_kept() -> None:
    for text in ("vnc://192.168.64.3", "http://127.0.0.1:8000/api", "ghcr.io/a/b@sha256:12ab"):
        assert redact(text) == text


def test_tokens_are_hidden() -> None:
    assert redact("http://x/?token=abc&x=1") == "http://x/?token=[redacted]&x=1"
    assert redact("Authorization: Bearer eyJhbGci.xyz") == "Authorization: Bearer [redacted]"
    assert "ghp_" not in redact("token ghp_0123456789abcdefghijABCDEFGH in a line")
    assert redact("TART_REGISTRY_PASSWORD=hunter2") == "TART_REGISTRY_PASSWORD=[redacted]"
