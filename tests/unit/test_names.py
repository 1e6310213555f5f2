import pytest

from taartenfabriek.core.names import (
    is_safe_argument,
    local_name_error,
    parse_remote,
    remote_name_error,
)


@pytest.mark.parametrize(
    ("value", "canonical"),
    [
        (
            "ghcr.io/cirruslabs/macos-sequoia-base:latest",
            "ghcr.io/cirruslabs/macos-sequoia-base:latest",
        ),
        ("ghcr.io/cirruslabs/ubuntu", "ghcr.io/cirruslabs/ubuntu:latest"),
        ("localhost:5000/a/b:1.2.3-RC-1", "localhost:5000/a/b:1.2.3-RC-1"),
        ("127.0.0.1/x", "127.0.0.1/x:latest"),
        ("a/b", "a/b:latest"),
        ("ghcr.io/a/b@sha256:" + "a" * 64, "ghcr.io/a/b@sha256:" + "a" * 64),
        ("GHCR.IO/Cirruslabs/X:Tag", "GHCR.IO/Cirruslabs/X:Tag"),
    ],
)
def test_remote_names_parse_like_tart(value: str, canonical: str) -> None:
    parsed = parse_remote(value)
    assert parsed is not None
    assert str(parsed) == canonical


@pytest.mark.parametrize(
    "value",
    [
        "debian:latest",  # no slash: a local name for Tart
        "my-vm",
        "ghcr.io/a/b@md5:abc",
        "ghcr.io/a b/c",
        "ghcr.io/a/../b",
        "ghcr.io/a/b:",
        "ghcr.io:/a",
        "host_x/a",
        "ghcr.io/ä/b",
        "-rf/x",
        "https://ghcr.io/a/b",
        "",
    ],
)
def test_non_remote_names(value: str) -> None:
    assert parse_remote(value) is None


@pytest.mark.parametrize("value", ["vm", "VM-1", "a.b_c-d", "0", "x" * 128])
def test_valid_local_names(value: str) -> None:
    assert local_name_error(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "",
        "-x",
        ".x",
        "a/b",
        "a:b",
        "a b",
        "x" * 129,
        "orchard-vm",
        "Orchard-x",
        "refresh",
        "Categorized",
        "available-images",
        "é",
        "a\nb",
    ],
)
def test_invalid_local_names(value: str) -> None:
    assert local_name_error(value) is not None


def test_remote_error_mentions_the_form() -> None:
    error = remote_name_error("not a ref")
    assert error is not None and "host/namespace" in error
    assert remote_name_error("ghcr.io/cirruslabs/ubuntu:latest") is None


@pytest.mark.parametrize(
    ("value", "safe"),
    [("vm", True), ("-vm", False), ("", False), ("a\x00", False), ("ghcr.io/a/b", True)],
)
def test_safe_argument(value: str, safe: bool) -> None:
    assert is_safe_argument(value) is safe


@pytest.mark.parametrize("value", ["0:70000/0", "localhost:0/a", "h:99999999999999999999/x"])
def test_registry_ports_must_be_real_ports(value: str) -> None:
    error = remote_name_error(value)
    assert error is not None and "port" in error
    assert remote_name_error("localhost:65535/a/b") is None
