"""`create` and `set` (§3.1, §5 create/set)."""

from __future__ import annotations

import json

from tests.simtools import TartSim


def _config(sim: TartSim, name: str) -> dict[str, object]:
    return dict(json.loads((sim.vm_dir(name) / "config.json").read_text()))


def _get(sim: TartSim, name: str) -> dict[str, object]:
    return dict(json.loads(sim.run("get", name, "--format", "json").stdout))


def test_create_linux(tart_sim: TartSim) -> None:
    result = tart_sim.run("create", "lin", "--linux")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    config = _config(tart_sim, "lin")
    assert config["version"] == 1
    assert (config["os"], config["arch"], config["diskFormat"]) == ("linux", "arm64", "raw")
    assert (config["cpuCount"], config["cpuCountMin"]) == (4, 4)
    assert (config["memorySize"], config["memorySizeMin"]) == (4294967296, 4294967296)
    assert config["display"] == {"width": 1024, "height": 768}
    assert str(config["macAddress"]).count(":") == 5
    disk = tart_sim.vm_dir("lin") / "disk.img"
    assert (disk.stat().st_size, disk.stat().st_blocks) == (50 * 10**9, 0)
    assert (tart_sim.vm_dir("lin") / "nvram.bin").is_file()
    info = _get(tart_sim, "lin")
    assert (info["OS"], info["CPU"], info["Memory"], info["Disk"]) == ("linux", 4, 4096, 50)


def test_create_options_and_overwrite(tart_sim: TartSim) -> None:
    assert tart_sim.run("create", "vm", "--linux", "--disk-size", "20").returncode == 0
    assert _get(tart_sim, "vm")["Disk"] == 20
    assert tart_sim.run("create", "vm", "--linux", "--disk-format", "ASIF").returncode == 0
    info = _get(tart_sim, "vm")
    assert (info["Disk"], info["DiskFormat"]) == (50, "asif")
    result = tart_sim.run("create", "vm")
    assert result.returncode == 64
    assert result.stderr == (
        "Error: Please specify either a --from-ipsw or --linux option!\n"
        "Usage: tart create <name> [--from-ipsw <path>] [--linux] [--disk-size <disk-size>] "
        "[--disk-format <disk-format>]\n"
        "  See 'tart create --help' for more information.\n"
    )
    result = tart_sim.run("create", "vm", "--linux", "--disk-format", "qcow2")
    assert result.stderr.splitlines()[0] == (
        "Error: The value 'qcow2' is invalid for '--disk-format <disk-format>'. "
        "Please provide one of 'raw' and 'asif'."
    )


def test_create_from_ipsw(tart_sim: TartSim) -> None:
    result = tart_sim.run("create", "mac", "--from-ipsw", "latest", env=dict(tart_sim.env, CI="1"))
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert lines[:2] == [
        "Looking up the latest supported IPSW...",
        "Fetching UniversalMac_26.0_25A354_Restore.ipsw...",
    ]
    assert lines[2] == "0%"
    install = lines.index("Installing OS...")
    assert lines[install - 1] == "100%" and lines[install + 1] == "0%" and lines[-1] == "100%"
    assert _get(tart_sim, "mac")["OS"] == "darwin"
    config = _config(tart_sim, "mac")
    assert "ecid" in config and "hardwareModel" in config
    again = tart_sim.run("create", "mac2", "--from-ipsw", "latest", env=dict(tart_sim.env, CI="1"))
    assert again.stdout.splitlines()[:3] == [
        "Looking up the latest supported IPSW...",
        "Using cached *.ipsw file...",
        "Installing OS...",
    ]
    missing = tart_sim.run("create", "mac3", "--from-ipsw", "/nowhere/x.ipsw")
    assert missing.returncode == 1
    assert missing.stderr == (
        "Error: The file “x.ipsw” couldn’t be opened because there is no such file.\n"
    )


def test_set_cpu_memory_display(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    result = tart_sim.run("set", "vm", "--cpu", "8", "--memory", "6144", "--display", "1920x1080px")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    config = _config(tart_sim, "vm")
    assert (config["cpuCount"], config["memorySize"]) == (8, 6144 * 1024 * 1024)
    assert config["display"] == {"width": 1920, "height": 1080, "unit": "px"}
    info = _get(tart_sim, "vm")
    assert (info["CPU"], info["Memory"], info["Display"]) == (8, 6144, "1920x1080px")
    assert tart_sim.run("set", "vm", "--display", "1280x0").returncode == 0
    assert _config(tart_sim, "vm")["display"] == {"width": 1280, "height": 1080}


def test_set_display_refit_is_rewritten_every_time(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    tart_sim.run("set", "vm", "--display-refit")
    assert _config(tart_sim, "vm")["displayRefit"] is True
    tart_sim.run("set", "vm", "--no-display-refit")
    assert _config(tart_sim, "vm")["displayRefit"] is False
    tart_sim.run("set", "vm", "--cpu", "2")
    assert "displayRefit" not in _config(tart_sim, "vm")


def test_set_random_mac_and_serial(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("mac", os_name="darwin")
    before = _config(tart_sim, "mac")
    tart_sim.run("set", "mac", "--random-mac", "--random-serial")
    after = _config(tart_sim, "mac")
    assert after["macAddress"] != before["macAddress"]
    assert after["ecid"] != before["ecid"]
    assert after["hardwareModel"] == before["hardwareModel"]


def test_set_macos_minimums(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("mac", os_name="darwin")
    result = tart_sim.run("set", "mac", "--cpu", "2")
    assert (result.returncode, result.stdout, result.stderr) == (
        1, "",
        "Error: LessThanMinimalResourcesError: VM should have 4 CPU cores at minimum "
        "(requested 2)\n",
    )  # fmt: skip
    result = tart_sim.run("set", "mac", "--memory", "4096")
    assert result.stderr == (
        "Error: LessThanMinimalResourcesError: VM should have 8589934592 bytes of memory at "
        "minimum (requested 4294967296)\n"
    )
    tart_sim.seed_vm("lin")
    assert tart_sim.run("set", "lin", "--cpu", "2", "--memory", "2048").returncode == 0


def test_set_disk_size_grows_only(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    result = tart_sim.run("set", "vm", "--disk-size", "20")
    assert (result.returncode, result.stdout, result.stderr) == (
        1, "", "new disk size of 20 GB should be larger than the current disk size of 50 GB\n",
    )  # fmt: skip
    assert tart_sim.run("set", "vm", "--disk-size", "50").returncode == 0
    assert tart_sim.run("set", "vm", "--disk-size", "80").returncode == 0
    assert (tart_sim.vm_dir("vm") / "disk.img").stat().st_size == 80 * 10**9
    assert _get(tart_sim, "vm")["Disk"] == 80


def test_set_saves_config_before_disk_errors(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm")
    assert tart_sim.run("set", "vm", "--cpu", "3", "--disk-size", "1").returncode == 1
    assert _config(tart_sim, "vm")["cpuCount"] == 3


def test_set_disk_replaces_contents(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("vm", allocated_gb=5)
    image = tart_sim.home.parent / "image.raw"
    image.write_bytes(b"\x01" * 4096)
    assert tart_sim.run("set", "vm", "--disk", str(image)).returncode == 0
    assert (tart_sim.vm_dir("vm") / "disk.img").read_bytes() == b"\x01" * 4096
    missing = tart_sim.run("set", "vm", "--disk", "/nope.img")
    assert missing.returncode == 1
    assert missing.stderr.startswith("Error: ")


def test_set_errors(tart_sim: TartSim) -> None:
    result = tart_sim.run("set", "ghost", "--cpu", "2")
    assert (result.returncode, result.stderr) == (2, 'the specified VM "ghost" does not exist\n')
    assert tart_sim.run("set", "vm", "--cpu", "-2").stderr.splitlines()[0] == (
        "Error: Missing value for '--cpu <cpu>'"
    )
    assert tart_sim.run("set", "vm", "--cpu", "70000").stderr.splitlines()[0] == (
        "Error: The value '70000' is invalid for '--cpu <cpu>'"
    )
