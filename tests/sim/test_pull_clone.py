"""`pull` and `clone`: line sequences, progress forms, cache layout, locks (§3, §5 pull/clone)."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from pathlib import Path

from taartenfabriek.sim.names import parse
from taartenfabriek.sim.registry import lookup
from tests.simtools import TartSim

UBUNTU = "ghcr.io/cirruslabs/ubuntu"
SEQUOIA = "ghcr.io/cirruslabs/macos-sequoia-base"
PROGRESS = re.compile(r"\d{1,3}%")


def _image(name: str) -> tuple[str, float]:
    image = lookup(parse(name))
    return image.digest, image.compressed / 1e9


def _progress_values(lines: list[str]) -> list[int]:
    return [int(line.rstrip("%")) for line in lines]


def test_pull_plain_lines_with_ci(tart_sim: TartSim) -> None:
    digest, compressed = _image(f"{UBUNTU}:latest")
    result = tart_sim.run("pull", UBUNTU, env=dict(tart_sim.env, CI="true"))
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        f"pulling {UBUNTU}:latest...",
        "pulling manifest...",
        f"pulling disk ({compressed:.1f} GB compressed)...",
    ]
    assert lines[-1] == "pulling NVRAM..."
    progress = lines[3:-1]
    assert all(PROGRESS.fullmatch(line) for line in progress)
    values = _progress_values(progress)
    assert values[0] == 0 and values[-1] == 100
    assert values == sorted(set(values))  # only when the integer changes
    assert len(values) <= 0.5 / 0.05 + 2  # at most once per interval, plus 0% and 100%

    repository = tart_sim.home / "cache" / "OCIs" / "ghcr.io" / "cirruslabs" / "ubuntu"
    digest_dir = repository / digest
    assert sorted(p.name for p in digest_dir.iterdir() if not p.name.startswith(".sim")) == [
        "config.json", "disk.img", "manifest.json", "nvram.bin",
    ]  # fmt: skip
    assert os.readlink(repository / "latest") == str(digest_dir)
    assert os.path.isabs(os.readlink(repository / "latest"))
    assert (digest_dir / "disk.img").stat().st_size == 20 * 10**9
    config = json.loads((digest_dir / "config.json").read_text())
    assert (config["os"], config["memorySize"]) == ("linux", 4 * 1024**3)
    manifest = json.loads((digest_dir / "manifest.json").read_text())
    assert manifest["layers"][-1]["mediaType"] == "application/vnd.cirruslabs.tart.nvram.v1"

    again = tart_sim.run("pull", f"{UBUNTU}:latest")
    assert again.stdout == (
        f"pulling {UBUNTU}:latest...\n"
        "pulling manifest...\n"
        f"{UBUNTU}@{digest} image is already cached and linked!\n"
    )
    listed = tart_sim.run("list", "--source", "oci", "-q").stdout
    assert listed == f"{UBUNTU}:latest\n{UBUNTU}@{digest}\n"


def test_pull_ansi_progress_without_ci(tart_sim: TartSim) -> None:
    result = tart_sim.run("pull", f"{SEQUOIA}:15.2")
    assert result.returncode == 0
    lines = result.stdout.split("\n")
    assert lines[3] == "0%"
    updates = lines[4:-2]
    assert updates, result.stdout
    for line in updates:
        assert line.startswith("\x1b[1A\r\x1b[J"), repr(line)
        assert PROGRESS.fullmatch(line.removeprefix("\x1b[1A\r\x1b[J"))
    assert updates[-1] == "\x1b[1A\r\x1b[J100%"
    assert lines[-2:] == ["pulling NVRAM...", ""]


def test_pull_duration_and_interval_knobs(tart_sim: TartSim) -> None:
    env = dict(tart_sim.env, CI="1", TART_SIM_PULL_SECONDS="1.2", TART_SIM_PROGRESS_INTERVAL="0.4")
    started = time.monotonic()
    result = tart_sim.run("pull", UBUNTU, env=env)
    assert 1.2 <= time.monotonic() - started < 5
    values = _progress_values([line for line in result.stdout.splitlines() if line.endswith("%")])
    assert values[0] == 0 and values[-1] == 100 and 3 <= len(values) <= 5


def test_pull_of_an_unknown_image(tart_sim: TartSim) -> None:
    result = tart_sim.run("pull", "ghcr.io/cirruslabs/macos-nonsense-base:latest")
    assert result.returncode == 1
    assert result.stdout == (
        "pulling ghcr.io/cirruslabs/macos-nonsense-base:latest...\npulling manifest...\n"
    )
    assert result.stderr.startswith(
        'Error: UnexpectedHTTPStatusCode(when: "pulling manifest", code: 404, details: "'
    )
    runner = tart_sim.run("pull", "ghcr.io/cirruslabs/macos-runner:monterey")
    assert 'code: 404, details: "{\\"errors\\":[{\\"code\\":\\"MANIFEST_UNKNOWN' in runner.stderr
    assert tart_sim.run("pull", "ghcr.io/cirruslabs/macos-runner:sonoma").returncode == 0


def test_pull_bad_and_local_names(tart_sim: TartSim) -> None:
    result = tart_sim.run("pull", "debian")
    assert result.returncode == 1
    assert result.stderr.startswith("failed to parse remote name: ")
    tart_sim.seed_vm("debian:latest")
    result = tart_sim.run("pull", "debian:latest")
    assert (result.returncode, result.stdout) == (
        0, '"debian:latest" is a local image, nothing to pull here!\n',
    )  # fmt: skip
    result = tart_sim.run("pull", UBUNTU, "--concurrency", "0")
    assert result.returncode == 64
    assert result.stderr.startswith("Error: network concurrency cannot be less than 1\n")


def test_registry_file_knob(tart_sim: TartSim, tmp_path: Path) -> None:
    listing = tmp_path / "registry.txt"
    listing.write_text("# mine\nlocalhost:5000/team/base darwin 60\nexample.com/a/b:1.0\n")
    env = dict(tart_sim.env, TART_SIM_REGISTRY=str(listing))
    assert tart_sim.run("pull", "localhost:5000/team/base:anything", env=env).returncode == 0
    assert tart_sim.run("pull", "example.com/a/b:1.0", env=env).returncode == 0
    assert tart_sim.run("pull", "example.com/a/b:2.0", env=env).returncode == 1
    assert (tart_sim.home / "cache" / "OCIs" / "localhost%3A5000" / "team" / "base").is_dir()
    listed = tart_sim.run("list", "--source", "oci", "--format", "json", env=env).stdout
    rows = {row["Name"]: row for row in json.loads(listed)}
    assert rows["localhost:5000/team/base:anything"]["Disk"] == 60


def test_concurrent_pulls_of_one_host_wait_for_the_lock(tart_sim: TartSim) -> None:
    env = dict(tart_sim.env, CI="1", TART_SIM_PULL_SECONDS="4")  # the second starts within it
    first = tart_sim.spawn("pull", f"{UBUNTU}:22.04", env=env)
    assert first.stdout is not None
    seen = [first.stdout.readline() for _ in range(3)]
    assert seen[2].startswith("pulling disk")  # the first pull holds the host lock now
    second = tart_sim.run("pull", f"{UBUNTU}:22.04", env=env)
    first_out, _ = first.communicate(timeout=10)
    assert first.returncode == 0 and "waiting for lock..." not in first_out
    digest, _ = _image(f"{UBUNTU}:22.04")
    assert second.stdout == (
        f"pulling {UBUNTU}:22.04...\n"
        "pulling manifest...\n"
        "waiting for lock...\n"
        f"{UBUNTU}@{digest} image is already cached! creating a symlink...\n"
    )


def test_sigint_cancels_a_pull(tart_sim: TartSim) -> None:
    env = dict(tart_sim.env, TART_SIM_PULL_SECONDS="30")
    pull = tart_sim.spawn("pull", UBUNTU, env=env)
    assert pull.stdout is not None
    while "pulling disk" not in pull.stdout.readline():
        pass
    assert any((tart_sim.home / "tmp").iterdir())
    pull.send_signal(signal.SIGINT)
    _, stderr = pull.communicate(timeout=5)
    assert (pull.returncode, stderr) == (1, "Error: CancellationError()\n")
    assert not any((tart_sim.home / "tmp").iterdir())
    assert tart_sim.run("list", "-q").stdout == ""


def test_pull_fail_knob(tart_sim: TartSim) -> None:
    env = dict(tart_sim.env, CI="1", TART_SIM_PULL_FAIL="ubuntu")
    result = tart_sim.run("pull", UBUNTU, env=env)
    assert result.returncode == 1
    assert result.stderr == "Error: The network connection was lost.\n"
    assert "pulling NVRAM..." not in result.stdout
    assert tart_sim.run("list", "-q").stdout == ""
    assert not any((tart_sim.home / "tmp").iterdir())


def test_clone_auto_pulls_then_uses_the_cache(tart_sim: TartSim) -> None:
    result = tart_sim.run("clone", UBUNTU, "box", env=dict(tart_sim.env, CI="1"))
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert lines[0] == "pulling manifest..."
    assert lines[1].startswith("pulling disk (")
    assert lines[-1] == "pulling NVRAM..."
    again = tart_sim.run("clone", f"{UBUNTU}:latest", "box2")
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")
    assert tart_sim.run("list", "--source", "local", "-q").stdout == "box\nbox2\n"


def _mac(sim: TartSim, name: str) -> str:
    return str(json.loads((sim.vm_dir(name) / "config.json").read_text())["macAddress"])


def test_clone_mac_rules(tart_sim: TartSim) -> None:
    digest_dir = tart_sim.seed_image(f"{SEQUOIA}:latest")
    image_mac = json.loads((digest_dir / "config.json").read_text())["macAddress"]
    assert tart_sim.run("clone", SEQUOIA, "first").returncode == 0
    assert _mac(tart_sim, "first") == image_mac  # OCI source, no collision: keep it
    assert tart_sim.run("clone", SEQUOIA, "second").returncode == 0
    assert _mac(tart_sim, "second") != image_mac  # collision: new MAC
    assert tart_sim.run("clone", "first", "third").returncode == 0
    assert _mac(tart_sim, "third") not in (image_mac, _mac(tart_sim, "second"))


def test_clone_copies_sparse_files_and_state(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("src", os_name="darwin", allocated_gb=12.5, suspended=True)
    assert tart_sim.run("clone", "src", "dst").returncode == 0
    disk = tart_sim.vm_dir("dst") / "disk.img"
    assert disk.stat().st_size == 50 * 10**9
    assert disk.stat().st_blocks == 0
    assert (tart_sim.vm_dir("dst") / "state.vzvmsave").exists()
    assert _mac(tart_sim, "dst") == _mac(tart_sim, "src")  # suspended sources keep their MAC
    info = json.loads(tart_sim.run("get", "dst", "--format", "json").stdout)
    assert (info["Size"], info["State"]) == ("12.500", "suspended")


def test_clone_overwrites_silently(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("src", cpu=2)
    tart_sim.seed_vm("dst", cpu=8)
    result = tart_sim.run("clone", "src", "dst")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert json.loads(tart_sim.run("get", "dst", "--format", "json").stdout)["CPU"] == 2


def test_clone_errors(tart_sim: TartSim) -> None:
    result = tart_sim.run("clone", "ghost", "x")
    assert (result.returncode, result.stdout, result.stderr) == (
        2, "", 'the specified VM "ghost" does not exist\n',
    )  # fmt: skip
    tart_sim.seed_vm("src")
    result = tart_sim.run("clone", "src", "org/name")
    assert result.returncode == 64
    assert result.stderr == (
        "Error: <new-name> should be a local name\n"
        "Usage: tart clone <source-name> <new-name> [--insecure] [--concurrency <concurrency>] "
        "[--prune-limit <n>]\n"
        "  See 'tart clone --help' for more information.\n"
    )
    result = tart_sim.run("clone", "ghcr.io/cirruslabs/nothing-here", "x")
    assert result.returncode == 1
    assert result.stdout == "pulling manifest...\n"
    assert "code: 404" in result.stderr


def test_fqn(tart_sim: TartSim) -> None:
    tart_sim.seed_image(f"{UBUNTU}:latest")
    digest, _ = _image(f"{UBUNTU}:latest")
    assert tart_sim.run("fqn", UBUNTU).stdout == f"{UBUNTU}@{digest}\n"
    assert tart_sim.run("fqn", "local-vm").stdout == "local-vm\n"
    result = tart_sim.run("fqn", f"{UBUNTU}:missing")
    assert (result.returncode, result.stderr) == (
        1,
        f"OCI storage error: {UBUNTU}:missing is not a digest and doesn't point to a digest\n",
    )


def test_push_then_pull(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("mine", os_name="darwin", disk_gb=60)
    result = tart_sim.run(
        "push", "mine", "registry.local:5000/me/mine:v1", "registry.local:5000/me/mine:v2",
        env=dict(tart_sim.env, CI="1"),
    )  # fmt: skip
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        "pushing mine to registry.local:5000/me/mine{:v1,:v2}...",
        "pushing config...",
        "pushing disk... this will take a while...",
    ]
    assert lines[-3:] == [
        "pushing NVRAM...",
        "pushing manifest for v1...",
        "pushing manifest for v2...",
    ]
    assert tart_sim.run("pull", "registry.local:5000/me/mine:v2").returncode == 0
    tart_sim.hold_vm_lock("mine")
    locked = tart_sim.run("push", "mine", "registry.local:5000/me/mine:v3")
    assert (locked.returncode, locked.stderr) == (1, 'VM "mine" is running\n')


def test_flaky_pull_and_layer_reuse(tart_sim: TartSim) -> None:
    tart_sim.seed_image(f"{SEQUOIA}:15.1")
    env = dict(tart_sim.env, CI="1", TART_SIM_PULL_FLAKY="sequoia")
    result = tart_sim.run("pull", f"{SEQUOIA}:15.2", env=env)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert re.fullmatch(
        rf"found an image {SEQUOIA}@sha256:[0-9a-f]{{64}} that will allow us to avoid "
        r"fetching [\d.]+ GB, will try use it\.\.\.",
        lines[2],
    )
    assert lines[3].startswith("pulling disk (")
    assert (
        'Error pulling disk layer 7: "The network connection was lost.", attempting to re-try...'
        in lines
    )
    assert lines[-2:] == ["100%", "pulling NVRAM..."]


def test_export_and_import(tart_sim: TartSim, tmp_path: Path) -> None:
    tart_sim.seed_vm("src", cpu=3, allocated_gb=2)
    archive = tmp_path / "src.tvm"
    exported = tart_sim.run("export", "src", str(archive))
    assert (exported.returncode, exported.stdout) == (0, "exporting...\n")
    missing = tart_sim.run("export", "ghost")
    assert (missing.returncode, missing.stdout, missing.stderr) == (
        2, "exporting...\n", 'the specified VM "ghost" does not exist\n',
    )  # fmt: skip
    imported = tart_sim.run("import", str(archive), "copy")
    assert (imported.returncode, imported.stdout) == (0, "importing...\n")
    info = json.loads(tart_sim.run("get", "copy", "--format", "json").stdout)
    assert (info["CPU"], info["Disk"], info["Size"]) == (3, 50, "2.000")
    assert _mac(tart_sim, "copy") != _mac(tart_sim, "src")  # MAC clash on import: new MAC
    assert tart_sim.run("import", str(archive), "a/b").returncode == 64


def test_login_and_logout(tart_sim: TartSim) -> None:
    result = tart_sim.run("login", "ghcr.io", "--username", "me")
    assert result.returncode == 64
    assert result.stderr.startswith("Error: both --username and --password-stdin are required\n")
    ok = tart_sim.run("login", "ghcr.io", "--username", "me", "--password-stdin", input="pw\n")
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "", "")
    strict = dict(tart_sim.env, TART_SIM_LOGIN_PASSWORD="secret")
    bad = tart_sim.run(
        "login", "ghcr.io", "--username", "me", "--password-stdin", input="pw\n", env=strict
    )
    assert bad.returncode == 1
    assert bad.stderr.startswith("invalid credentials: ")
    assert tart_sim.run("logout", "ghcr.io").returncode == 0
    assert tart_sim.run("logout", "never.example").returncode == 0


def test_pull_refreshes_a_re_pushed_tag(tart_sim: TartSim) -> None:
    import hashlib

    env = dict(tart_sim.env, CI="1")
    assert tart_sim.run("pull", UBUNTU, env=env).returncode == 0
    repushed = dict(env, TART_SIM_DIGEST_SALT="v2")
    result = tart_sim.run("pull", UBUNTU, env=repushed)
    assert "pulling disk (" in result.stdout  # `pull` always re-resolves the tag
    new_digest = "sha256:" + hashlib.sha256(f"{UBUNTU}:latest#v2".encode()).hexdigest()
    # the tag now points at the new digest; the old digest dir was garbage-collected
    names = tart_sim.run("list", "--source", "oci", "-q", env=repushed).stdout
    assert names == f"{UBUNTU}:latest\n{UBUNTU}@{new_digest}\n"


def test_a_cancelled_export_leaves_a_truncated_file_and_import_cleans_up(
    tart_sim: TartSim, tmp_path: Path
) -> None:
    """Tart truncates the destination before archiving, and removes an import's staging
    folder on Ctrl+C; the export/import knobs make both windows wide enough to hit."""
    tart_sim.seed_vm("src")
    archive = tmp_path / "src.tvm"
    archive.write_text("an older export")
    slow = dict(tart_sim.env, TART_SIM_EXPORT_SECONDS="30", TART_SIM_IMPORT_SECONDS="30")
    child = tart_sim.spawn("export", "src", str(archive), env=slow)
    assert child.stdout is not None and child.stdout.readline() == "exporting...\n"
    deadline = time.monotonic() + 5
    while archive.stat().st_size and time.monotonic() < deadline:
        time.sleep(0.02)
    child.send_signal(signal.SIGINT)
    child.communicate(timeout=10)
    assert archive.stat().st_size == 0  # truncated, like Tart's .truncate open
    assert tart_sim.run("export", "src", str(archive)).returncode == 0
    child = tart_sim.spawn("import", str(archive), "copy", env=slow)
    assert child.stdout is not None and child.stdout.readline() == "importing...\n"
    child.send_signal(signal.SIGINT)
    child.communicate(timeout=10)
    assert child.returncode != 0
    assert not (tart_sim.home / "vms" / "copy").exists()
    tmp = tart_sim.home / "tmp"
    assert not tmp.exists() or list(tmp.iterdir()) == []
