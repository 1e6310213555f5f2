"""The watcher compares with the files as the last `tart list` saw them (backends/local_watch.py).

In-process, with a TART_HOME made by hand: no server, no tart, no timing. A poll compared
with its own previous poll missed a pull and a delete that both fell between two polls while
a list in the middle of them showed the image (test_pulled_and_deleted_images_show).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from taartenfabriek.backends.local_watch import LocalWatch


def _pull(home: Path) -> Path:
    image = home / "cache" / "OCIs" / "ghcr.io" / "cirruslabs" / "debian"
    digest = image / ("sha256:" + "a" * 64)
    digest.mkdir(parents=True)
    (image / "latest").symlink_to(digest.name)
    return image


def _vm(home: Path, name: str) -> None:
    folder = home / "vms" / name
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")


def _delete(image: Path) -> None:
    (image / "latest").unlink()
    (image / ("sha256:" + "a" * 64)).rmdir()


def test_a_list_that_saw_a_change_gone_again_by_the_next_poll_is_reported(tmp_path: Path) -> None:
    async def scenario() -> list[frozenset[str]]:
        seen: list[frozenset[str]] = []
        # the folders the filesystem watcher follows exist already (it reports what is made
        # in them, not below), so only the poll can report the pull and the delete
        (tmp_path / "cache" / "OCIs" / "ghcr.io" / "cirruslabs" / "debian").mkdir(parents=True)
        (tmp_path / "vms").mkdir()
        watch = LocalWatch(tmp_path, seen.append, interval=0.05)
        watch.start()  # the first look: nothing pulled
        await asyncio.sleep(0.2)  # the watcher has started
        assert seen == []
        image = _pull(tmp_path)
        # a `tart list` runs now and shows the image; the pull is what it reports
        watch.rebase()
        assert watch.recheck() == frozenset()  # nothing changed during the list itself
        _delete(image)  # back to the files of the first look
        await asyncio.sleep(0.3)
        await watch.close()
        return seen

    seen = asyncio.run(scenario())
    assert frozenset({""}) in seen, seen


def test_what_changed_while_a_list_ran_is_returned_at_its_end(tmp_path: Path) -> None:
    async def scenario() -> frozenset[str]:
        watch = LocalWatch(tmp_path, lambda names: None, interval=60)
        watch.start()
        watch.rebase()  # a list begins
        _pull(tmp_path)  # ... and may or may not have seen this
        _vm(tmp_path, "made")  # a clone, say
        changed = watch.recheck()
        await watch.close()
        return changed

    assert asyncio.run(scenario()) == frozenset({"", "made"})


def test_an_idle_tart_home_reports_nothing(tmp_path: Path) -> None:
    async def scenario() -> list[frozenset[str]]:
        seen: list[frozenset[str]] = []
        _pull(tmp_path)
        _vm(tmp_path, "idle")
        watch = LocalWatch(tmp_path, seen.append, interval=0.05)
        watch.start()
        await asyncio.sleep(0.3)
        watch.rebase()
        unchanged = watch.recheck()
        await watch.close()
        assert unchanged == frozenset()
        return seen

    assert asyncio.run(scenario()) == []
