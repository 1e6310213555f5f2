"""`list` and `get`: the text tables and JSON of the reference, byte for byte (§2, §5)."""

from __future__ import annotations

import json
import os
import time

from tests.simtools import TartSim

TAHOE = "ghcr.io/cirruslabs/macos-tahoe-base"


def _seed_reference_inventory(sim: TartSim) -> None:
    now = time.time()
    sim.seed_vm("tahoe-base", os_name="darwin", allocated_gb=22.5, accessed=now - 150)
    sim.seed_vm("ubuntu", os_name="linux", disk_gb=20, allocated_gb=3.2, accessed=now - 3 * 86400)
    digest_dir = sim.seed_image(
        f"{TAHOE}@sha256:0123abcd", allocated_gb=22.4, accessed=now - 3 * 86400 - 60
    )
    (digest_dir.parent / "latest").symlink_to(digest_dir)


def test_list_text_matches_the_reference_example(tart_sim: TartSim) -> None:
    _seed_reference_inventory(tart_sim)
    tart_sim.hold_vm_lock("tahoe-base")
    result = tart_sim.run("list")
    assert result.returncode == 0
    assert result.stderr == ""
    assert result.stdout == (
        "Source Name                                                "
        "Disk Size Accessed      State  \n"
        "local  tahoe-base                                          "
        "50   22   2 minutes ago running\n"
        "local  ubuntu                                              "
        "20   3    3 days ago    stopped\n"
        "OCI    ghcr.io/cirruslabs/macos-tahoe-base:latest          "
        "50   22   3 days ago    stopped\n"
        "OCI    ghcr.io/cirruslabs/macos-tahoe-base@sha256:0123abcd "
        "50   22   3 days ago    stopped\n"
    )


def test_list_sources_quiet_and_empty(tart_sim: TartSim) -> None:
    assert tart_sim.run("list", "--format", "json").stdout == "[\n\n]\n"
    assert tart_sim.run("list", "-q").stdout == ""
    _seed_reference_inventory(tart_sim)
    assert tart_sim.run("list", "--quiet", "--format", "json").stdout == (
        f"tahoe-base\nubuntu\n{TAHOE}:latest\n{TAHOE}@sha256:0123abcd\n"
    )
    local = tart_sim.run("list", "--source", "local").stdout.splitlines()
    assert [line.split()[1] for line in local[1:]] == ["tahoe-base", "ubuntu"]
    oci = tart_sim.run("list", "--source", "oci", "-q").stdout
    assert oci == f"{TAHOE}:latest\n{TAHOE}@sha256:0123abcd\n"
    assert tart_sim.run("list", "--source", "local", "--format", "text").stdout.count("\n") == 3


def test_list_json(tart_sim: TartSim) -> None:
    _seed_reference_inventory(tart_sim)
    accessed = time.time() - 3 * 86400
    os.utime(tart_sim.vm_dir("ubuntu"), (accessed, accessed - 1))
    result = tart_sim.run("list", "--format", "json")
    assert result.returncode == 0
    assert '"Name" : "ghcr.io\\/cirruslabs\\/macos-tahoe-base:latest"' in result.stdout
    assert result.stdout.startswith('[\n  {\n    "') and result.stdout.endswith("\n  }\n]\n")
    rows = json.loads(result.stdout)
    assert [row["Name"] for row in rows] == [
        "tahoe-base",
        "ubuntu",
        f"{TAHOE}:latest",
        f"{TAHOE}@sha256:0123abcd",
    ]
    ubuntu = rows[1]
    assert set(ubuntu) == {"Source", "Name", "Disk", "Size", "Accessed", "Running", "State"}
    assert ubuntu["Source"] == "local"
    assert (ubuntu["Disk"], ubuntu["Size"], ubuntu["Running"], ubuntu["State"]) == (
        20, 3, False, "stopped",
    )  # fmt: skip
    assert ubuntu["Accessed"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(accessed))
    assert rows[2]["Source"] == "OCI"


def test_list_sorting_and_uninitialized_dirs(tart_sim: TartSim) -> None:
    for name in ("b", "B", "a"):
        tart_sim.seed_vm(name)
    (tart_sim.home / "vms" / "half").mkdir()
    (tart_sim.home / "vms" / "half" / "config.json").write_text("{}")
    assert tart_sim.run("list", "-q").stdout == "B\na\nb\n"


def test_states_running_suspended_stopped(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("run", os_name="darwin")
    tart_sim.seed_vm("sus", os_name="darwin", suspended=True)
    tart_sim.seed_vm("off")
    holder = tart_sim.hold_vm_lock("run")
    rows = {r["Name"]: r for r in json.loads(tart_sim.run("list", "--format", "json").stdout)}
    assert {n: (r["State"], r["Running"]) for n, r in rows.items()} == {
        "off": ("stopped", False),
        "run": ("running", True),
        "sus": ("suspended", False),
    }
    holder.kill()
    holder.wait()
    assert json.loads(tart_sim.run("get", "run", "--format", "json").stdout)["State"] == "stopped"


def test_get_text_matches_the_reference_example(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("tahoe", os_name="darwin", memory_mb=8192, allocated_gb=21.345)
    result = tart_sim.run("get", "tahoe")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (
        "OS     CPU Memory Disk DiskFormat Size   Display  State  \n"
        "darwin 4   8192   50   raw        21.345 1024x768 stopped\n"
    )


def test_get_json_matches_the_reference_example(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("tahoe", os_name="darwin", memory_mb=8192, allocated_gb=21.345)
    result = tart_sim.run("get", "tahoe", "--format", "json")
    assert result.stdout == (
        "{\n"
        '  "CPU" : 4,\n'
        '  "Disk" : 50,\n'
        '  "DiskFormat" : "raw",\n'
        '  "Display" : "1024x768",\n'
        '  "Memory" : 8192,\n'
        '  "OS" : "darwin",\n'
        '  "Running" : false,\n'
        '  "Size" : "21.345",\n'
        '  "State" : "stopped"\n'
        "}\n"
    )


def test_get_units_and_display_unit(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("lin", memory_mb=3000, disk_gb=20, display="1920x1080px", disk_format="asif")
    info = json.loads(tart_sim.run("get", "lin", "--format", "json").stdout)
    assert info["Memory"] == 3000
    assert (info["Disk"], info["DiskFormat"], info["Display"]) == (20, "asif", "1920x1080px")
    assert info["OS"] == "linux"


def test_get_errors(tart_sim: TartSim) -> None:
    result = tart_sim.run("get", "ghost")
    assert (result.returncode, result.stdout, result.stderr) == (
        2, "", 'the specified VM "ghost" does not exist\n',
    )  # fmt: skip
    (tart_sim.home / "vms" / "broken").mkdir(parents=True)
    result = tart_sim.run("get", "broken")
    assert (result.returncode, result.stderr) == (
        1, "VM is missing some of its files (config.json, disk.img or nvram.bin)\n",
    )  # fmt: skip


def test_names_are_case_insensitive(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("Dev")
    assert tart_sim.run("get", "dev").returncode == 0
    assert tart_sim.run("list", "-q").stdout == "Dev\n"


def test_json_shuffle_knob_keeps_content(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    env = dict(tart_sim.env, TART_SIM_JSON_SHUFFLE="1")
    outputs = {tart_sim.run("get", "vm", "--format", "json", env=env).stdout for _ in range(6)}
    assert len({json.dumps(json.loads(o), sort_keys=True) for o in outputs}) == 1
    assert len(outputs) > 1
