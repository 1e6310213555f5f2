"""`delete`, `rename` and `prune` (§5)."""

from __future__ import annotations

import os
import time

from tests.simtools import TartSim

UBUNTU = "ghcr.io/cirruslabs/ubuntu"
ROOT_USAGE = "Usage: tart <subcommand>\n  See 'tart --help' for more information.\n"


def _names(sim: TartSim) -> list[str]:
    return sim.run("list", "-q").stdout.splitlines()


def test_delete_several_in_order_stopping_at_the_first_failure(tart_sim: TartSim) -> None:
    for name in ("a", "b", "c"):
        tart_sim.seed_vm(name)
    result = tart_sim.run("delete", "a", "ghost", "c")
    assert (result.returncode, result.stdout, result.stderr) == (
        2, "", 'the specified VM "ghost" does not exist\n',
    )  # fmt: skip
    assert _names(tart_sim) == ["b", "c"]
    assert tart_sim.run("delete", "b", "c").returncode == 0
    assert _names(tart_sim) == []


def test_delete_dir_without_config_is_missing(tart_sim: TartSim) -> None:
    (tart_sim.home / "vms" / "husk").mkdir(parents=True)
    assert tart_sim.run("delete", "husk").returncode == 2


def test_delete_oci_tag_and_digest(tart_sim: TartSim) -> None:
    digest_dir = tart_sim.seed_image(f"{UBUNTU}:latest")
    tart_sim.seed_image(f"{UBUNTU}:24.04")
    assert tart_sim.run("delete", f"{UBUNTU}:latest").returncode == 0
    assert not digest_dir.exists()  # no tag points at it any more
    assert _names(tart_sim) == [f"{UBUNTU}:24.04", f"{UBUNTU}@{_digest(tart_sim, '24.04')}"]
    digest = _digest(tart_sim, "24.04")
    assert tart_sim.run("delete", f"{UBUNTU}@{digest}").returncode == 0
    assert _names(tart_sim) == []  # the dangling tag link went too
    result = tart_sim.run("delete", f"{UBUNTU}:latest")
    assert (result.returncode, result.stderr) == (
        2, f'the specified VM "{UBUNTU}:latest" does not exist\n',
    )  # fmt: skip


def _digest(sim: TartSim, tag: str) -> str:
    link = sim.home / "cache" / "OCIs" / "ghcr.io" / "cirruslabs" / "ubuntu" / tag
    return os.path.basename(os.readlink(link))


def test_delete_keeps_explicitly_pulled_digests(tart_sim: TartSim) -> None:
    digest = "sha256:" + "ab" * 32
    tart_sim.seed_image(f"{UBUNTU}@{digest}")
    tart_sim.seed_image(f"{UBUNTU}:latest")
    assert tart_sim.run("delete", f"{UBUNTU}:latest").returncode == 0
    assert _names(tart_sim) == [f"{UBUNTU}@{digest}"]


def test_rename(tart_sim: TartSim) -> None:
    tart_sim.seed_vm("old")
    assert tart_sim.run("rename", "old", "new").returncode == 0
    assert _names(tart_sim) == ["new"]
    result = tart_sim.run("rename", "ghost", "x")
    assert (result.returncode, result.stderr) == (
        64, "Error: failed to rename a non-existent local VM: ghost\n" + ROOT_USAGE,
    )  # fmt: skip
    tart_sim.seed_vm("other")
    result = tart_sim.run("rename", "new", "other")
    assert (result.returncode, result.stderr) == (
        64,
        "Error: failed to rename VM new, target VM other already exists, delete it first!\n"
        + ROOT_USAGE,
    )
    result = tart_sim.run("rename", "new", "a/b")
    assert result.returncode == 64
    assert result.stderr.startswith("Error: <new-name> should be a local name\n")


def test_prune_caches_by_age_and_budget(tart_sim: TartSim) -> None:
    now = time.time()
    old = tart_sim.seed_image(f"{UBUNTU}:old", accessed=now - 10 * 86400, allocated_gb=3)
    mid = tart_sim.seed_image(f"{UBUNTU}:mid", accessed=now - 2 * 86400, allocated_gb=3)
    new = tart_sim.seed_image(f"{UBUNTU}:new", accessed=now - 60, allocated_gb=3)
    tart_sim.seed_vm("vm", accessed=now - 30 * 86400)
    result = tart_sim.run("prune", "--older-than", "7")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert (old.exists(), mid.exists(), new.exists()) == (False, True, True)
    assert tart_sim.vm_dir("vm").exists()  # caches only
    budget = 3 * 10**9 // 1024**3 + 1  # GiB that fit exactly one 3 GB image
    assert tart_sim.run("prune", "--space-budget", str(budget)).returncode == 0
    assert (mid.exists(), new.exists()) == (False, True)
    assert f"{UBUNTU}:mid" not in _names(tart_sim)


def test_prune_vms_skips_running(tart_sim: TartSim) -> None:
    now = time.time()
    tart_sim.seed_vm("idle", accessed=now - 30 * 86400)
    tart_sim.seed_vm("busy", accessed=now - 30 * 86400)
    tart_sim.hold_vm_lock("busy")
    assert tart_sim.run("prune", "--entries", "vms", "--older-than", "7").returncode == 0
    assert _names(tart_sim) == ["busy"]


def test_prune_errors(tart_sim: TartSim) -> None:
    result = tart_sim.run("prune")
    assert result.returncode == 64
    assert result.stderr.startswith("Error: at least one pruning criteria must be specified\n")
    result = tart_sim.run("prune", "--entries", "images", "--older-than", "1")
    assert (result.returncode, result.stderr) == (
        64,
        'Error: unsupported --entries value, please specify either "caches" or "vms"\n'
        + ROOT_USAGE,
    )
    result = tart_sim.run("prune", "--cache-budget", "10")
    assert (result.returncode, result.stderr) == (
        0, "--cache-budget is deprecated, please use --space-budget\n",
    )  # fmt: skip
    result = tart_sim.run("prune", "--cache-budget", "10", "--space-budget", "5")
    assert result.returncode == 64
    assert result.stderr.splitlines()[:2] == [
        "--cache-budget is deprecated, please use --space-budget",
        "Error: --cache-budget is deprecated, please use --space-budget",
    ]
