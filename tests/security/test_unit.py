"""Unit tests of the pure security pieces: Host/Origin parsing, redaction, names, argv guards,
the token store and the secret files."""

from __future__ import annotations

import logging
import os
import re
import stat
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taartenfabriek import security
from taartenfabriek.catalog import mask_token
from taartenfabriek.core.errors import InvalidInput
from taartenfabriek.core.logs import (
    REDACTED,
    RedactSecrets,
    forget_registered_secrets,
    redact,
    register_secret,
)
from taartenfabriek.core.names import (
    REMOTE_NAME_PATTERN,
    is_safe_argument,
    local_name_error,
    parse_remote,
    remote_name_error,
)
from taartenfabriek.security import (
    RequestGuard,
    TokenStore,
    is_loopback_address,
    normalise_host_names,
    origin_matches,
    read_secret,
    secure_state,
    split_host,
    write_secret,
)
from taartenfabriek.tart import argv

# --- Host --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("127.0.0.1", ("127.0.0.1", None)),
        ("127.0.0.1:8000", ("127.0.0.1", 8000)),
        ("LOCALHOST:8000", ("localhost", 8000)),
        ("[::1]", ("[::1]", None)),
        ("[::1]:8000", ("[::1]", 8000)),
        ("my-mac.local", ("my-mac.local", None)),
        ("::1", None),
        ("::1:8000", None),
        ("[::1", None),
        ("localhost.", None),
        (".localhost", None),
        ("127.0.0.1:", None),
        ("127.0.0.1:99999", None),
        ("127.0.0.1:8000:8000", None),
        ("127.0.0.1:8000@evil.com", None),
        ("evil.com@127.0.0.1", None),
        ("user:pw@127.0.0.1", None),
        ("127.0.0.1/x", None),
        ("127.0.0.1 evil.com", None),
        ("a_b", None),
        ("", None),
    ],
)
def test_split_host(header: str, expected: tuple[str, int | None] | None) -> None:
    assert split_host(header) == expected


def _scope(headers: list[tuple[str, str]], method: str = "GET", kind: str = "http") -> dict:
    return {
        "type": kind,
        "method": method,
        "scheme": "ws" if kind == "websocket" else "http",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers],
    }


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        ([("Host", "127.0.0.1:8000")], True),
        ([("Host", "localhost")], True),
        ([("Host", "[::1]:8000")], True),
        ([("Host", "my-mac.local:8000")], True),
        ([], False),
        ([("Host", "127.0.0.1"), ("Host", "127.0.0.1")], False),
        ([("Host", "localhost.evil.com")], False),
        ([("Host", "127.0.0.1.nip.io")], False),
        ([("Host", "0.0.0.0:8000")], False),
        ([("Host", "::1")], False),
        ([("Host", "127.0.0.1:8000"), ("Origin", "http://127.0.0.1:8000")], True),
        ([("Host", "127.0.0.1:80"), ("Origin", "http://127.0.0.1")], True),
        ([("Host", "127.0.0.1"), ("Origin", "http://127.0.0.1:80")], True),
        ([("Host", "127.0.0.1:8000"), ("Origin", "http://localhost:8000")], True),
        ([("Host", "localhost:8000"), ("Origin", "http://[::1]:8000")], True),
        ([("Host", "my-mac.local:8000"), ("Origin", "http://localhost:8000")], False),
        ([("Host", "localhost:8000"), ("Origin", "http://my-mac.local:8000")], False),
        ([("Host", "127.0.0.1:8000"), ("Origin", "http://localhost:8001")], False),
        ([("Host", "127.0.0.1:8000"), ("Origin", "http://127.0.0.1:8001")], False),
        ([("Host", "127.0.0.1:8000"), ("Origin", "https://127.0.0.1:8000")], False),
        ([("Host", "127.0.0.1:8000"), ("Origin", "null")], False),
        ([("Host", "127.0.0.1:8000"), ("Origin", "http://[::1")], False),
        (
            [
                ("Host", "127.0.0.1:8000"),
                ("Origin", "http://127.0.0.1:8000"),
                ("Origin", "http://evil.com"),
            ],
            False,
        ),
        ([("Host", "127.0.0.1"), ("Sec-Fetch-Site", "cross-site")], False),
        ([("Host", "127.0.0.1"), ("Sec-Fetch-Site", "same-site")], False),
        (
            [
                ("Host", "127.0.0.1"),
                ("Sec-Fetch-Site", "cross-site"),
                ("Sec-Fetch-Mode", "navigate"),
            ],
            True,
        ),
        ([("Host", "127.0.0.1"), ("Sec-Fetch-Site", "same-origin")], True),
        ([("Host", "127.0.0.1"), ("Sec-Fetch-Site", "none")], True),
    ],
)
def test_guard_decisions(headers: list[tuple[str, str]], allowed: bool) -> None:
    guard = RequestGuard(app=None, allowed_hosts=("my-mac.local",))  # type: ignore[arg-type]
    assert (guard.check(_scope(headers)) is None) is allowed


def test_guard_refuses_cross_site_navigation_that_changes_state() -> None:
    guard = RequestGuard(app=None)  # type: ignore[arg-type]
    headers = [
        ("Host", "127.0.0.1"),
        ("Sec-Fetch-Site", "cross-site"),
        ("Sec-Fetch-Mode", "navigate"),
    ]
    assert guard.check(_scope(headers, method="POST")) is not None
    assert guard.check(_scope(headers, kind="websocket")) is not None


def test_websocket_origin_uses_http_scheme() -> None:
    guard = RequestGuard(app=None)  # type: ignore[arg-type]
    own = [("Host", "127.0.0.1:8000"), ("Origin", "http://127.0.0.1:8000")]
    assert guard.check(_scope(own, kind="websocket")) is None
    assert origin_matches("http://127.0.0.1:8000", ("127.0.0.1", 8000), "ws")
    assert not origin_matches("ws://127.0.0.1:8000", ("127.0.0.1", 8000), "ws")


def test_allow_list_entries_are_normalised() -> None:
    names = normalise_host_names(["My-Mac.local", "box:8000", "::1", "[fe80::1]", "bad host", ""])
    assert names == {"my-mac.local", "box", "[::1]", "[fe80::1]"}


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.2", False),
        ("127.example.com", False),
        ("localhost.evil.com", False),
    ],
)
def test_is_loopback_address(host: str, loopback: bool) -> None:
    assert is_loopback_address(host) is loopback


# --- redaction ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_registered_secrets() -> None:
    """Values other tests stored (any string can be a GitHub token) are redacted everywhere."""
    forget_registered_secrets()


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ('127.0.0.1:5 - "GET /?token=abc123 HTTP/1.1" 200', "abc123"),
        ('"WebSocket /ws/tasks/1?token=abc123&x=1" [accepted]', "abc123"),
        ("/ws/tasks/1?TOKEN=abc123", "abc123"),
        ("X-Local-Token: abc123", "abc123"),
        ("{'x-local-token': 'abc123'}", "abc123"),
        ("Authorization: Bearer abc.def-123", "abc.def-123"),
        ("Authorization: token abc123", "abc123"),
        ("Authorization: Basic dXNlcjpwYXNz", "dXNlcjpwYXNz"),
        ("vnc://:s3cretpw@192.168.64.2:5900", "s3cretpw"),
        ("vnc://admin:s3cretpw@192.168.64.2", "s3cretpw"),
        ("https://user:s3cretpw@registry.example.com/v2/", "s3cretpw"),
        ("using ghp_abcdefghijklmnopqrstuvwxyz0123 now", "ghp_abcdefghijklmnopqrstuvwxyz0123"),
        ("github_pat_11AAAAAAA0abcdefghijklmnopqrstuvwxyz", "github_pat_11AAAAAAA0abcdefghij"),
        ('{"token": "abc123"}', "abc123"),
        ("password=hunter22", "hunter22"),
        ("orchard_token=abc123", "abc123"),
    ],
)
def test_redact_hides_secrets_by_shape(text: str, secret: str) -> None:
    cleaned = redact(text)
    assert secret not in cleaned
    assert REDACTED in cleaned
    assert redact(cleaned) == cleaned


@pytest.mark.parametrize(
    "text",
    [
        "missing X-Local-Token header",
        "GET /api/vms HTTP/1.1",
        "tokens: 3",
        "vnc://192.168.64.2:5900",
        "pulled ghcr.io/cirruslabs/macos-sequoia-base:latest",
    ],
)
def test_redact_leaves_ordinary_text(text: str) -> None:
    assert redact(text) == text


def test_registered_secrets_are_redacted_anywhere() -> None:
    secret = "Zq9-registered-secret-value"
    register_secret(secret)
    assert secret not in redact(f"path /x/{secret}/y and {secret}")
    register_secret("abc")  # too short to replace literally
    assert redact("abc def") == "abc def"


def test_filter_keeps_argument_shape_for_the_access_formatter() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/?token=abc123", "1.1", 200),
        None,
    )
    assert RedactSecrets().filter(record)
    assert record.args == ("127.0.0.1:5000", "GET", "/?token=[redacted]", "1.1", 200)


def test_filter_redacts_tracebacks() -> None:
    try:
        raise RuntimeError("failed at vnc://:pw123456@10.0.0.2")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", (), sys.exc_info())
    RedactSecrets().filter(record)
    assert record.exc_text is not None and "pw123456" not in record.exc_text
    assert "pw123456" not in logging.Formatter().format(record)


def test_mask_token_reveals_at_most_eight_characters() -> None:
    token = "ghp_abcdefghijklmnopqrstuvwxyz0123"
    masked = mask_token(token)
    assert masked == "ghp_...0123"
    assert mask_token("short-token1") == "****"
    for length in range(40):
        value = "".join(chr(ord("a") + i % 26) for i in range(length))
        visible = mask_token(value).replace("...", "").replace("*", "")
        assert len(visible) <= 8 and (length <= 12 or value not in mask_token(value))


# --- names and argv ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["dev", "my-vm_2.0", "A", "0abc", "x" * 128],
)
def test_valid_local_names(name: str) -> None:
    assert local_name_error(name) is None


@pytest.mark.parametrize(
    "name",
    [
        "",
        "-rf",
        "--help",
        ".hidden",
        "_x",
        "a/b",
        "a:b",
        "a b",
        "a\nb",
        "dev\n",
        "dev\r",
        "é",
        "x" * 129,
        "orchard-worker",
        "ORCHARD-x",
        "categorized",
        "Refresh",
        "available-images",
    ],
)
def test_invalid_local_names(name: str) -> None:
    assert local_name_error(name)


@pytest.mark.parametrize(
    ("reference", "canonical"),
    [
        (
            "ghcr.io/cirruslabs/macos-sequoia-base:latest",
            "ghcr.io/cirruslabs/macos-sequoia-base:latest",
        ),
        ("ghcr.io/a/b", "ghcr.io/a/b:latest"),
        ("localhost:5000/a_b/c.d:1.2.3-RC-1", "localhost:5000/a_b/c.d:1.2.3-RC-1"),
        ("ghcr.io/a/b@sha256:abc123", "ghcr.io/a/b@sha256:abc123"),
        ("a/b", "a/b:latest"),
    ],
)
def test_valid_references(reference: str, canonical: str) -> None:
    assert remote_name_error(reference) is None
    assert str(parse_remote(reference)) == canonical


@pytest.mark.parametrize(
    "reference",
    [
        "",
        "debian:latest",
        "-ghcr.io/a/b",
        "ghcr.io/-a/b",
        "ghcr.io/a/b:-t",
        "ghcr.io/a..b/c",
        "ghcr.io/../b",
        "ghcr.io/a/b@md5:abc",
        "ghcr.io/a/b\n",
        "ghcr.io/a/b ",
        "ghcr.io/a/é",
        "gh_cr.io/a/b",
        "ghcr.io:/a/b",
        "ghcr.io/" + "a" * 600,
    ],
)
def test_invalid_references(reference: str) -> None:
    assert remote_name_error(reference)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab1.-_/:@", max_size=512))
def test_reference_parsing_is_linear(value: str) -> None:
    """The old grammar backtracked exponentially (30 characters took over a minute)."""
    started = time.perf_counter()
    parse_remote(value)
    parse_remote("ghcr.io/" + value + "!")
    assert time.perf_counter() - started < 0.5  # exponential: minutes; linear: microseconds


_OLD_COMPONENT = r"(?:[A-Za-z0-9]+[._-]?)+"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="aB1._-/:@", max_size=14))
def test_reference_grammar_is_unchanged(value: str) -> None:
    """The linear rewrite accepts exactly what Tart's grammar (the old regex) accepted."""
    old = re.compile(
        r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*(?:\.[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)*(?::[0-9]+)?/"
        rf"{_OLD_COMPONENT}(?:/{_OLD_COMPONENT})*"
        r"(?::[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*|@sha256:[A-Za-z0-9]+)?"
    )
    assert (parse_remote(value) is not None) == (old.fullmatch(value) is not None)
    assert (re.fullmatch(REMOTE_NAME_PATTERN.strip("^$"), value) is not None) == (
        parse_remote(value) is not None
    )


@given(st.text(max_size=30))
def test_argv_never_passes_a_flag_as_a_name(value: str) -> None:
    builders = [
        lambda v: (argv.get(v), [1]),
        lambda v: (argv.ip(v), [1]),
        lambda v: (argv.run(v), [-1]),
        lambda v: (argv.stop(v), [-1]),
        lambda v: (argv.stop(v, timeout=None), [-1]),
        lambda v: (argv.delete(v), [1]),
        lambda v: (argv.pull(v), [1]),
        lambda v: (argv.clone(v, "new"), [1]),
        lambda v: (argv.clone("src", v), [2]),
        lambda v: (argv.set_(v, cpu=2), [1]),
        lambda v: (argv.suspend(v), [1]),
        lambda v: (argv.rename(v, "x"), [1]),
    ]
    for build in builders:
        try:
            args, positions = build(value)
        except InvalidInput:
            assert not is_safe_argument(value)
            continue
        assert is_safe_argument(value)
        for position in positions:
            assert not args[position].startswith("-")
            assert args[position] == value


@pytest.mark.parametrize("value", ["-rf", "--help", "", "a\x00b", "a\nb", "a\rb", "\x1b[31m"])
def test_argv_refuses_unsafe_names(value: str) -> None:
    with pytest.raises(InvalidInput):
        argv.delete(value)


# --- secrets at rest ---------------------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_write_secret_is_private_from_the_start(tmp_path: Path) -> None:
    target = tmp_path / "state" / "token"
    (tmp_path / "state").mkdir(mode=0o755)
    os.chmod(tmp_path / "state", 0o755)
    leftover = target.with_name(f".token.{os.getpid()}.tmp")
    leftover.write_text("old")
    os.chmod(leftover, 0o644)
    write_secret(target, "value-1")
    assert target.read_text() == "value-1\n"
    assert _mode(target) == 0o600
    assert _mode(target.parent) == 0o700


def test_read_secret_repairs_the_mode(tmp_path: Path) -> None:
    path = tmp_path / "github-token"
    path.write_text("  value-2 \n")
    os.chmod(path, 0o644)
    assert read_secret(path) == "value-2"
    assert _mode(path) == 0o600
    assert read_secret(tmp_path / "missing") is None


def test_secure_state_repairs_folder_and_files(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    os.chmod(home, 0o777)
    (home / "token").write_text("t")
    os.chmod(home / "token", 0o666)
    secure_state(home, (home / "token", home / "github-token"))
    assert _mode(home) == 0o700
    assert _mode(home / "token") == 0o600
    assert not (home / "github-token").exists()


def test_token_store_notices_a_rotation_from_another_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(security, "TOKEN_RECHECK", 0.0)
    store = TokenStore(tmp_path / "token")
    first = store.load()
    assert len(first) >= 43 and store.check(first)
    other = TokenStore(tmp_path / "token")
    second = other.rotate()
    assert second != first
    assert store.check(second) and not store.check(first)
    (tmp_path / "token").unlink()
    assert not store.check(second), "a deleted token file makes a new token"
    assert _mode(tmp_path / "token") == 0o600


@pytest.mark.parametrize("candidate", [None, "", " ", "x"])
def test_token_store_refuses_empty_and_wrong(tmp_path: Path, candidate: str | None) -> None:
    store = TokenStore(tmp_path / "token")
    store.load()
    assert not store.check(candidate)


def test_token_store_uses_constant_time_comparison(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = security.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(security.hmac, "compare_digest", spy)
    store = TokenStore(tmp_path / "token")
    token = store.load()
    assert store.check(token) and not store.check("nope")
    assert len(calls) == 2
