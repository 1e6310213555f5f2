"""TART_HOME with `~` or a relative path: expanded and made absolute once, and that same path is
what the server reads and what `tart` gets (Tart itself expands nothing, Config.swift:11-12)."""

from __future__ import annotations

from pathlib import Path

import pytest

from taartenfabriek.tart.home import resolve_tart_home
from tests.server import ServerProcess

pytestmark = pytest.mark.integration


def test_resolve_tart_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert resolve_tart_home(Path("~/t"), {}) == tmp_path / "t"
    assert resolve_tart_home(None, {"TART_HOME": "~/e"}) == tmp_path / "e"
    assert resolve_tart_home(None, {"TART_HOME": "rel/./x/.."}) == tmp_path / "rel"
    assert resolve_tart_home(None, {}) == tmp_path / ".tart"


@pytest.mark.parametrize("variable", ["TART_HOME", "TARTVM_TART_HOME"])
def test_a_tilde_tart_home_is_one_folder(tmp_path: Path, variable: str) -> None:
    user, work = tmp_path / "user", tmp_path / "work"
    user.mkdir()
    work.mkdir()
    overrides = {"HOME": str(user), variable: "~/tarts"}
    if variable == "TARTVM_TART_HOME":
        overrides["TART_HOME"] = str(tmp_path / "elsewhere")  # the setting wins over it
    server = ServerProcess(root=tmp_path / "server", env_overrides=overrides, cwd=work).start()
    try:
        with server.client() as client:
            task = client.post(
                "/api/vms/create-empty", json={"name": "fresh", "os": "linux", "disk_size": 5}
            ).json()
            done = server.wait_task(task["id"])
            assert done["status"] == "completed", done
            assert [vm["name"] for vm in client.post("/api/vms/refresh").json()] == ["fresh"]
            overview = client.get("/api/storage").json()
        assert (user / "tarts" / "vms" / "fresh" / "config.json").is_file()
        assert overview["volume"]["path"] == str(user / "tarts")
        assert not (work / "~").exists()
    finally:
        server.stop()
