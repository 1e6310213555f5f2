"""Start options through the real server: every option reaches `tart run` as the right flags,
bad ones are refused before any task, and the last ones are remembered per VM."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.lifecycle.conftest import Lab

pytestmark = pytest.mark.integration


def test_empty_body_is_the_seeds_run(lab: Lab) -> None:
    lab.seed("dev", "darwin")  # a Linux guest's default is --vnc-experimental (issue 16.2)
    state = lab.get("/api/vms/dev/start-options")
    assert state["saved"] is False and state["last_run"] is None
    assert state["command"] == ["tart", "run", "--vnc", "--no-graphics", "dev"]
    for body in ({}, None):
        done = lab.start("dev", body)
        assert done["command"][1:] == ["run", "--vnc", "--no-graphics", "dev"]
        assert lab.run_args("dev") == ["--vnc", "--no-graphics"]
        assert done["result"]["vnc_url"].startswith("vnc://192.168.64.")
        lab.act("/api/vms/dev/stop")
    assert lab.get("/api/vms/dev/start-options")["saved"] is False


def test_every_option_reaches_tart_run(lab: Lab, tmp_path: Path) -> None:
    src, data = tmp_path / "src", tmp_path / "data"
    src.mkdir()
    data.mkdir()
    iso = tmp_path / "debian-12-arm64-netinst.iso"
    iso.write_bytes(b"\0" * 1024)
    lab.seed("lin")
    options = {
        "display": "vnc-experimental",
        "network": "bridged",
        "bridged_interface": "en0",
        "rosetta_tag": "rosetta",
        "dirs": [f"src:{src}", {"name": "data", "path": str(data), "read_only": True}],
        "disks": [{"path": str(iso), "read_only": True}],
    }
    expected = [
        "--vnc-experimental",
        "--no-graphics",
        "--net-bridged",
        "en0",
        "--rosetta",
        "rosetta",
        "--dir",
        f"src:{src}",
        "--dir",
        f"data:{data}:ro",
        "--disk",
        f"{iso}:ro",
    ]
    with lab.server.client() as client:
        state = client.put("/api/vms/lin/start-options", json=options).json()
    assert state["saved"] is True
    assert state["command"] == ["tart", "run", *expected, "lin"]
    done = lab.start("lin")  # `{}`-less start: the remembered options
    assert done["command"][1:] == ["run", *expected, "lin"]
    assert lab.run_args("lin") == expected
    # the framework's own VNC, without its password (only GET .../console gives that)
    assert re.fullmatch(r"vnc://127\.0\.0\.1:\d+", done["result"]["vnc_url"])
    last = lab.get("/api/vms/lin/start-options")["last_run"]
    assert last["pid"] == lab.run_info("lin")["pid"] and last["suspendable"] is False
    lab.act("/api/vms/lin/stop")


BODY_CASES: list[tuple[str, dict[str, object], list[str]]] = [
    ("linux", {"display": "none"}, ["--no-graphics"]),
    ("linux", {"network": "softnet"}, ["--vnc-experimental", "--no-graphics", "--net-softnet"]),
    ("linux", {"network": "host", "display": "none"}, ["--no-graphics", "--net-host"]),
    (
        "linux",
        {"network": "bridged", "bridged_interface": "Wi-Fi", "display": "none"},
        ["--no-graphics", "--net-bridged", "Wi-Fi"],
    ),
    ("darwin", {"suspendable": True}, ["--vnc", "--no-graphics", "--suspendable"]),
]


def test_start_body_options(lab: Lab) -> None:
    for index, (os_name, body, flags) in enumerate(BODY_CASES):
        name = f"vm{index}"
        lab.seed(name, os_name)
        done = lab.start(name, body)
        assert lab.run_args(name) == flags, body
        assert done["command"][1:] == ["run", *flags, name]
        lab.act(f"/api/vms/{name}/stop")
        assert lab.get(f"/api/vms/{name}/start-options")["command"][2:-1] == flags


def test_remember_false_and_partial_overrides(lab: Lab) -> None:
    lab.seed("dev")
    lab.start("dev", {"display": "none", "remember": False})
    assert lab.run_args("dev") == ["--no-graphics"]
    lab.act("/api/vms/dev/stop")
    assert lab.get("/api/vms/dev/start-options")["saved"] is False
    with lab.server.client() as client:
        client.put("/api/vms/dev/start-options", json={"network": "host"}).raise_for_status()
    lab.start("dev", {"display": "none"})  # one field over the remembered ones
    assert lab.run_args("dev") == ["--no-graphics", "--net-host"]
    lab.act("/api/vms/dev/stop")
    options = lab.get("/api/vms/dev/start-options")["options"]
    assert (options["display"], options["network"]) == ("none", "host")


def test_bad_options_are_refused_before_any_task(lab: Lab, tmp_path: Path) -> None:
    lab.seed("lin")
    lab.seed("mac", "darwin")
    (tmp_path / "file.txt").write_text("x")
    cases = [
        ("lin", {"dirs": ["src:relative"]}, "absolute path"),
        ("lin", {"dirs": [f"src:{tmp_path}/missing"]}, "not a folder"),
        ("lin", {"dirs": ["../etc:/etc"]}, "safe share name"),
        ("lin", {"disks": [str(tmp_path / "missing.iso")]}, "does not exist"),
        ("lin", {"disks": ["/x/ubuntu-24.04-live-server-amd64.iso"]}, "arm64"),
        ("lin", {"suspendable": True}, "macOS guests only"),
        ("mac", {"rosetta_tag": "rosetta"}, "Linux guests"),
        ("lin", {"network": "bridged"}, "bridged_interface"),
        ("lin", {"network": "bridged", "bridged_interface": "--net-host"}, "interface"),
        ("lin", {"rosetta_tag": "r" * 36}, "fewer than 36 bytes"),
        ("lin", {"dirs": [{"name": "s", "path": str(tmp_path), "tag": "t" * 36}]}, "36 bytes"),
    ]
    for name, body, message in cases:
        for method, path in (
            ("POST", f"/api/vms/{name}/start"),
            ("PUT", f"/api/vms/{name}/start-options"),
            ("POST", f"/api/vms/{name}/start-options/preview"),
        ):
            response = lab.request(method, path, body)
            assert response.status_code == 422, (method, body, response.text)
            assert message in response.text, (body, response.text)
    with lab.server.client() as client:
        assert client.get("/api/tasks/active").json() == []
        assert client.get("/api/tasks", params={"vm": "lin"}).json() == []
    assert lab.get("/api/vms/lin/start-options")["saved"] is False


def test_unknown_vm_and_base_image(lab: Lab) -> None:
    image = "ghcr.io/cirruslabs/ubuntu:latest"
    lab.seed_image(image)
    assert lab.request("GET", "/api/vms/nope/start-options").status_code == 404
    assert lab.request("PUT", "/api/vms/nope/start-options", {}).status_code == 404
    lab.post("/api/vms/refresh")
    response = lab.request("PUT", f"/api/vms/{image}/start-options", {})
    assert response.status_code == 409 and "clone it" in response.text


def test_preview_checks_and_saves_nothing(lab: Lab, tmp_path: Path) -> None:
    lab.seed("lin")
    lab.seed("mac", "darwin")
    body = {"display": "none", "network": "softnet", "dirs": [f"src:{tmp_path}:ro"]}
    preview = lab.post("/api/vms/lin/start-options/preview", body)
    flags = ["--no-graphics", "--net-softnet", "--dir", f"src:{tmp_path}:ro"]
    assert preview["command"] == ["tart", "run", *flags, "lin"]
    assert preview["saved"] is False and preview["options"]["dirs"][0]["read_only"] is True
    assert lab.get("/api/vms/lin/start-options")["saved"] is False  # nothing was saved
    with lab.server.client() as client:
        put = client.put("/api/vms/lin/start-options", json=body).json()
    assert put["command"] == preview["command"]
    assert lab.post("/api/vms/lin/start-options/preview", body)["saved"] is True
    assert lab.post("/api/vms/lin/start-options/preview", {})["saved"] is False
    # the same refusals as PUT, before anything is kept
    for name, bad, status, message in (
        ("lin", {"dirs": [f"src:{tmp_path}/missing"]}, 422, "not a folder"),
        ("lin", {"dirs": ["src:relative"]}, 422, "absolute path"),
        ("lin", {"suspendable": True}, 422, "macOS guests only"),
        ("mac", {"rosetta_tag": "rosetta"}, 422, "Linux guests"),
        ("nope", {}, 404, "nope"),
    ):
        response = lab.request("POST", f"/api/vms/{name}/start-options/preview", bad)
        assert response.status_code == status, (bad, response.text)
        assert message in response.text, (bad, response.text)
    assert lab.get("/api/vms/lin/start-options")["options"]["network"] == "softnet"
    with lab.server.client() as client:
        assert client.get("/api/tasks", params={"vm": "lin"}).json() == []
