"""Tart's prune rules as replicated for the dry run (Prune.swift semantics)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from taartenfabriek.care.prune import (
    GB,
    GIB,
    IPSWFile,
    Prunable,
    image_prunables,
    ipsw_prunables,
    plan,
    vm_prunables,
)
from taartenfabriek.core.care_models import PruneRequest
from taartenfabriek.core.models import VM

NOW = datetime(2026, 5, 12, 12, 0, 0, tzinfo=UTC)
D1 = "sha256:" + "1" * 64
D2 = "sha256:" + "2" * 64


def ago(days: float) -> str:
    return (NOW - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def item(name: str, gb: int, days: float) -> Prunable:
    return Prunable(name=name, kind="vm", size_bytes=gb * GB, accessed=NOW - timedelta(days=days))


def names(result: list[Prunable]) -> list[str]:
    return [p.name for p in result]


def test_older_than_removes_entries_accessed_at_or_before_the_cutoff() -> None:
    candidates = [item("old", 5, 10), item("edge", 5, 7), item("new", 5, 6.9)]
    shown, removed = plan(PruneRequest(entries="vms", older_than_days=7), candidates, now=NOW)
    assert names(removed) == ["old", "edge"]
    assert [e.name for e in shown.remove] == ["old", "edge"]
    assert [e.name for e in shown.keep] == ["new"]
    assert shown.remove_bytes == 10 * GB and shown.keep_bytes == 5 * GB
    assert shown.argv_equivalent == ["tart", "prune", "--entries", "vms", "--older-than", "7"]


def test_space_budget_keeps_newest_first_and_skips_what_does_not_fit() -> None:
    # budget 30 GiB = 32.2 GB: newest (20 GB) fits, next (15 GB) does not, oldest (10 GB) fits
    candidates = [item("oldest", 10, 3), item("middle", 15, 2), item("newest", 20, 1)]
    _, removed = plan(PruneRequest(space_budget_gb=30), candidates, now=NOW)
    assert names(removed) == ["middle"]


def test_space_budget_counts_gibibytes() -> None:
    exact = Prunable(name="a", kind="vm", size_bytes=10 * GIB, accessed=NOW)
    over = Prunable(name="b", kind="vm", size_bytes=10 * GIB + 1, accessed=NOW)
    assert plan(PruneRequest(space_budget_gb=10), [exact], now=NOW)[1] == []
    assert names(plan(PruneRequest(space_budget_gb=10), [over], now=NOW)[1]) == ["b"]


def test_zero_budget_removes_everything() -> None:
    candidates = [item("a", 1, 1), item("b", 0, 2)]
    _, removed = plan(PruneRequest(space_budget_gb=0), candidates, now=NOW)
    assert names(removed) == ["a"]  # a zero-byte entry still fits in a zero budget, as in Tart


def test_age_rule_runs_before_the_budget() -> None:
    candidates = [item("ancient", 1, 100), item("big", 40, 1), item("small", 5, 2)]
    request = PruneRequest(older_than_days=30, space_budget_gb=20)
    _, removed = plan(request, candidates, now=NOW)
    assert names(removed) == ["ancient", "big"]


def test_a_criterion_is_required() -> None:
    with pytest.raises(ValidationError):
        PruneRequest(entries="caches")
    with pytest.raises(ValidationError):
        PruneRequest(entries="images", older_than_days=1)  # type: ignore[arg-type]


def test_images_are_digest_entries_with_their_tags() -> None:
    vms = [
        VM(
            name="ghcr.io/a/b:latest",
            status="stopped",
            kind="base_image",
            digest=D1,
            size=20,
            accessed=ago(3),
        ),
        VM(
            name="ghcr.io/a/b:1.0",
            status="stopped",
            kind="base_image",
            digest=D1,
            size=20,
            accessed=ago(3),
        ),
        VM(
            name=f"ghcr.io/a/c@{D2}",
            status="stopped",
            kind="base_image",
            digest=D2,
            size=7,
            accessed=ago(9),
        ),
        VM(name="dev", status="stopped", state="stopped", size=30, accessed=ago(40)),
    ]
    images = {p.name: p for p in image_prunables(vms)}
    assert set(images) == {f"ghcr.io/a/b@{D1}", f"ghcr.io/a/c@{D2}"}
    assert images[f"ghcr.io/a/b@{D1}"].tags == ("ghcr.io/a/b:1.0", "ghcr.io/a/b:latest")
    assert images[f"ghcr.io/a/b@{D1}"].size_bytes == 20 * GB
    _, removed = plan(PruneRequest(older_than_days=5), list(images.values()), now=NOW)
    assert names(removed) == [f"ghcr.io/a/c@{D2}"]


def test_a_tag_without_known_digest_joins_its_repository_digest_row() -> None:
    vms = [
        VM(
            name="ghcr.io/a/b:latest", status="stopped", kind="base_image", size=20, accessed=ago(1)
        ),
        VM(name=f"ghcr.io/a/b@{D1}", status="stopped", kind="base_image", size=20, accessed=ago(4)),
    ]
    (only,) = image_prunables(vms)
    assert only.name == f"ghcr.io/a/b@{D1}" and only.tags == ("ghcr.io/a/b:latest",)
    assert only.accessed == NOW - timedelta(days=4)  # the digest directory's own date


def test_vms_are_local_and_not_running() -> None:
    vms = [
        VM(name="on", status="running", state="running", size=1),
        VM(name="off", status="stopped", state="stopped", size=1),
        VM(name="asleep", status="stopped", state="suspended", size=1),
        VM(name="what", status="unknown", state="unknown", size=1),
        VM(name="ghcr.io/a/b:1", status="stopped", state="stopped", kind="base_image", size=1),
    ]
    assert names(vm_prunables(vms)) == ["off", "asleep"]


def test_ipsws_are_cache_entries() -> None:
    files = [IPSWFile(name="x.ipsw", path="/t/x.ipsw", size_bytes=15 * GB, accessed=NOW)]
    (only,) = ipsw_prunables(files)
    assert (only.kind, only.path, only.size_bytes) == ("ipsw", "/t/x.ipsw", 15 * GB)
