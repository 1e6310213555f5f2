"""Fixtures of the Mac-care tests: servers with the simulator's retry pauses shortened."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.server import ServerProcess

QUICK = {"TART_SIM_IP_RETRY_SECONDS": "0.1", "TART_SIM_LIMIT_SECONDS": "0.2"}
"""`tart ip` that finds nothing pauses 1 s like Tart; a tenth keeps these suites short."""


@pytest.fixture
def care_server(server_factory: Any) -> Callable[..., ServerProcess]:
    """`care_server(env={...})`: a not-yet-started server with QUICK plus `env`."""

    def make(env: dict[str, str] | None = None, **kwargs: Any) -> ServerProcess:
        server: ServerProcess = server_factory(env_overrides={**QUICK, **(env or {})}, **kwargs)
        return server

    return make
