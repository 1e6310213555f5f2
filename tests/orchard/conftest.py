"""Fixtures for the Orchard backend: a fake controller on loopback and servers pointed at it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.orchard import FakeOrchard
from tests.server import ServerProcess, free_port

FAST = {
    "TARTVM_ORCHARD_QUEUE_WAIT": "5",  # placement is instant in the fake, but CI can be busy
    "TARTVM_START_IP_TIMEOUT": "10",
    "TARTVM_TART_TIMEOUT": "10",
}


@pytest.fixture(autouse=True)
def _no_orchard_context(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test (or server it starts) reads the developer's own ~/.orchard/orchard.yml."""
    for key in list(os.environ):
        if key.startswith("ORCHARD_"):
            monkeypatch.delenv(key, raising=False)
    home = tmp_path / "orchard-home"
    home.mkdir()
    monkeypatch.setenv("ORCHARD_HOME", str(home))


@pytest.fixture
def fake_factory() -> Iterator[Callable[..., FakeOrchard]]:
    started: list[FakeOrchard] = []

    def make(**kwargs: Any) -> FakeOrchard:
        fake = FakeOrchard(**kwargs).start()
        started.append(fake)
        return fake

    yield make
    for fake in started:
        fake.stop()


@pytest.fixture
def fake(fake_factory: Callable[..., FakeOrchard]) -> FakeOrchard:
    """`orchard dev`-like: no auth, one 2-slot macOS worker `mac-1`; each creation stage
    takes 0.25 s, so a task's watch sees every status message even on a busy machine."""
    fake = fake_factory(phase_seconds=0.25)
    fake.store.add_worker("mac-1")
    return fake


@pytest.fixture
def orchard_server(server_factory: Any) -> Callable[..., ServerProcess]:
    """Start the real server in Orchard mode against `url`, with extra env if given."""

    def start(url: str, **env: str) -> ServerProcess:
        nowhere = f"http://127.0.0.1:{free_port()}"  # the catalog never leaves this machine
        overrides = {
            "TARTVM_BACKEND": "orchard",
            "TARTVM_ORCHARD_URL": url,
            "TARTVM_GITHUB_API_URL": nowhere,
            "TARTVM_REGISTRY_URL": nowhere,
            **FAST,
            **env,
        }
        server: ServerProcess = server_factory(env_overrides=overrides)
        return server.start()

    return start
