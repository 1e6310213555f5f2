"""How we reach a real controller: URLs as the Go client reads them, pinned certificates
issued by a CA, enough HTTP connections for every follower, and the websockets API we use
(issue 17, points 1, 2 and 11)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import socket
import subprocess
import tomllib
from collections.abc import AsyncGenerator, Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from taartenfabriek.backends.orchard.client import OrchardClient
from taartenfabriek.backends.orchard.context import Connection, normalise_url, resolve
from tests.fakes.orchard import FakeOrchard
from tests.orchard.test_context import write_context
from tests.server import ServerProcess

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "ghcr.io/cirruslabs/macos-sequoia-base:latest"


# --- 1. URLs without a port ---------------------------------------------------------------


def test_a_url_with_a_scheme_is_used_as_written() -> None:
    # only a bare host gets `orchard context create`'s https and :6120
    assert normalise_url("ctl.example") == "https://ctl.example:6120"
    assert normalise_url("ctl.example:8443") == "https://ctl.example:8443"
    # a controller behind a proxy on 443 (or 80): no port added
    assert normalise_url("https://ctl.example") == "https://ctl.example"
    assert normalise_url("https://ctl.example/orchard/") == "https://ctl.example/orchard"
    assert normalise_url("http://10.0.0.2") == "http://10.0.0.2"


def test_context_and_orchard_url_keep_their_default_port(tmp_path: Path) -> None:
    write_context(tmp_path, url="https://orchard.example.com")
    env = {"ORCHARD_HOME": str(tmp_path)}
    assert resolve(url=None, service_account=None, token=None, environ=env).url == (
        "https://orchard.example.com"
    )
    env["ORCHARD_URL"] = "http://proxy.lan/orchard"
    assert resolve(url=None, service_account=None, token=None, environ=env).url == (
        "http://proxy.lan/orchard"
    )


def _port_80_free() -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", 80))
        except OSError:
            return False
    return True


@pytest.mark.integration
@pytest.mark.skipif(not _port_80_free(), reason="needs to listen on 127.0.0.1:80")
def test_a_context_url_without_a_port_reaches_the_controller(
    fake_factory: Callable[..., FakeOrchard],
    server_factory: Callable[..., ServerProcess],
    tmp_path: Path,
) -> None:
    fake = fake_factory(listen_port=80)
    fake.store.add_worker("mac-1")
    fake.store.create_vm({"name": "on-80", "image": IMAGE})
    assert fake.url == "http://127.0.0.1"
    home = tmp_path / "orchard-home"
    write_context(home, url=fake.url)
    server = server_factory(
        env_overrides={"TARTVM_BACKEND": "orchard", "ORCHARD_HOME": str(home)}
    ).start()
    with server.client() as client:
        refreshed = client.post("/api/vms/refresh")
    assert refreshed.status_code == 200, refreshed.text
    assert [vm["name"] for vm in refreshed.json()] == ["on-80"]


# --- 2. a pinned leaf issued by a private CA ----------------------------------------------


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


@pytest.fixture
def ca_issued(tmp_path: Path) -> tuple[Path, Path]:
    """A private CA and a leaf it signed, as `controller run --controller-cert` may serve."""
    ca_key, ca_cert = tmp_path / "ca.key", tmp_path / "ca.crt"
    key, request, cert = tmp_path / "leaf.key", tmp_path / "leaf.csr", tmp_path / "leaf.crt"
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-keyout", str(ca_key), "-out", str(ca_cert), "-days", "2", "-nodes",
             "-subj", "/CN=Team CA", "-addext", "basicConstraints=critical,CA:TRUE")  # fmt: skip
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", str(key), "-out", str(request), "-subj", "/CN=orchard.example")  # fmt: skip
    extensions = tmp_path / "leaf.ext"
    extensions.write_text("subjectAltName=DNS:orchard.example\nbasicConstraints=CA:FALSE\n")
    _openssl("x509", "-req", "-in", str(request), "-CA", str(ca_cert), "-CAkey", str(ca_key),
             "-CAcreateserial", "-out", str(cert), "-days", "2",
             "-extfile", str(extensions))  # fmt: skip
    return cert, key


@pytest.mark.integration
def test_a_pinned_ca_issued_leaf_is_trusted_on_its_own(
    ca_issued: tuple[Path, Path],
    fake_factory: Callable[..., FakeOrchard],
    server_factory: Callable[..., ServerProcess],
    tmp_path: Path,
) -> None:
    fake = fake_factory(dev=False, tls=ca_issued)
    fake.store.add_account("ui", "tok-ca", ["compute:read", "compute:write"])
    fake.store.add_worker("mac-1")
    fake.store.create_vm({"name": "behind-ca", "image": IMAGE})
    home = tmp_path / "orchard-home"
    leaf = base64.b64encode(ca_issued[0].read_bytes()).decode()
    write_context(home, url=fake.url, certificate=leaf, name="ui", token="tok-ca")
    server = server_factory(
        env_overrides={"TARTVM_BACKEND": "orchard", "ORCHARD_HOME": str(home)}
    ).start()
    with server.client() as client:
        refreshed = client.post("/api/vms/refresh")
    assert refreshed.status_code == 200, refreshed.text
    assert [vm["name"] for vm in refreshed.json()] == ["behind-ca"]


# --- 11. connections ------------------------------------------------------------------------


async def _hold_watches(client: OrchardClient, name: str, count: int) -> list[Any]:
    streams: list[AsyncGenerator[tuple[str, dict[str, Any]], None]] = []
    for _ in range(count):
        stream = client.watch_vm(name)
        streams.append(stream)
    firsts = await asyncio.gather(*(stream.__anext__() for stream in streams))
    assert all(kind == "ADDED" for kind, _vm in firsts)
    return streams


def test_a_hundred_follows_leave_room_for_other_requests(fake: FakeOrchard) -> None:
    """Each following task holds one watch; 101 of them must not starve a plain GET."""
    fake.store.create_vm({"name": "busy", "image": IMAGE})

    async def scenario() -> list[dict[str, Any]]:
        client = OrchardClient(Connection(url=fake.url), timeout=5)
        streams = await _hold_watches(client, "busy", 101)
        try:
            return await client.list_vms()
        finally:
            for stream in streams:
                with contextlib.suppress(Exception):
                    await stream.aclose()
            await client.close()

    listed = asyncio.run(scenario())
    assert [vm["name"] for vm in listed] == ["busy"]


def test_websockets_is_pinned_to_the_major_version_we_use() -> None:
    """console/orchard.py uses the asyncio client of websockets >= 15 (`proxy=`); a new
    major may change it, so the range must end before the next one."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    (spec,) = [
        Requirement(r) for r in project["dependencies"] if Requirement(r).name == "websockets"
    ]
    installed = Version(version("websockets"))
    uppers = [Version(s.version) for s in spec.specifier if s.operator == "<"]
    assert uppers, f"websockets has no upper bound: {spec}"
    assert installed in spec.specifier
    assert min(uppers) <= Version(f"{installed.major + 1}")
