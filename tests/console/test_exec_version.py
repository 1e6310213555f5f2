"""The terminal needs `tart exec` (Tart 2.27.0): an older Tart gets an explained refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.console.conftest import CONSOLE_ENV, ConsoleLab, drain, errors
from tests.server import ServerProcess

pytestmark = pytest.mark.integration


def test_the_terminal_names_the_tart_it_needs(tmp_path: Path) -> None:
    env = {**CONSOLE_ENV, "TART_SIM_VERSION": "2.26.1"}
    server = ServerProcess(root=tmp_path, env_overrides=env).start()
    try:
        lab = ConsoleLab(server)
        lab.seed("old", os_name="linux")
        lab.start("old", display="none")
        with lab.ws("old", "terminal") as ws:
            messages, _, reason = drain(ws)
        (error,) = errors(messages)
        assert error["code"] == "unsupported"
        assert "`tart exec` (the terminal) needs Tart 2.27.0 or newer" in error["message"]
        assert "2.26.1" in reason
        lab.stop("old")
    finally:
        server.stop()
        server.stop_vms()
