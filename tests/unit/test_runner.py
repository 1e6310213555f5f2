"""The runner against real child processes (small shell scripts standing in for tart)."""

import asyncio
import os
from pathlib import Path

import pytest

from taartenfabriek.core.errors import TartFailed, TartMissing, TartTimeout
from taartenfabriek.tart.runner import TartRunner


def script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "tart"
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return str(path)


def test_streams_cleaned_lines(tmp_path: Path) -> None:
    tart = script(
        tmp_path,
        r"""printf 'pulling manifest...\n0%%\n'
printf '\033[1A\r\033[J50%%\n'
printf 'oops\n' >&2
exit 0
""",
    )
    seen: list[tuple[str, str]] = []
    result = asyncio.run(
        TartRunner(tart).run(
            ["pull", "x"], timeout=10, on_line=lambda s, text: seen.append((s, text))
        )
    )
    assert result.ok
    assert ("stdout", "50%") in seen and ("stdout", "pulling manifest...") in seen
    assert ("stderr", "oops") in seen
    assert "\x1b[1A" in result.stdout  # raw output is kept untouched


def test_failure_detail_comes_from_stderr(tmp_path: Path) -> None:
    tart = script(tmp_path, "echo 'the specified VM \"x\" does not exist' >&2; exit 2\n")
    with pytest.raises(TartFailed) as info:
        asyncio.run(TartRunner(tart).run(["get", "x"], timeout=10, check=True))
    assert info.value.exit_code == 2
    assert 'the specified VM "x" does not exist' in info.value.detail
    assert info.value.argv == [tart, "get", "x"]


def test_usage_errors_report_the_error_line(tmp_path: Path) -> None:
    tart = script(
        tmp_path, "printf 'Error: bad flag\\nUsage: tart get\\n  See x\\n' >&2; exit 64\n"
    )
    with pytest.raises(TartFailed) as info:
        asyncio.run(TartRunner(tart).run(["get"], timeout=10, check=True))
    assert "bad flag" in info.value.detail


def test_missing_tart(tmp_path: Path) -> None:
    with pytest.raises(TartMissing) as info:
        asyncio.run(TartRunner(str(tmp_path / "nope")).run(["list"], timeout=5))
    assert "--demo" in info.value.detail


def test_timeout_interrupts_the_whole_group(tmp_path: Path) -> None:
    marker = tmp_path / "child.pid"
    tart = script(tmp_path, f"trap 'exit 130' INT\nsleep 60 & echo $! > {marker}\nwait\n")
    with pytest.raises(TartTimeout):
        asyncio.run(TartRunner(tart).run(["pull", "x"], timeout=0.5))
    child = int(marker.read_text())
    # The grandchild got the group's SIGINT too: nothing is left behind.
    for _ in range(50):
        if (
            not Path(f"/proc/{child}").exists()
            or "Z" in Path(f"/proc/{child}/stat").read_text().split()[2]
        ):
            break
        asyncio.run(asyncio.sleep(0.05))
    else:
        os.kill(child, 9)
        pytest.fail("the child outlived the timeout")


def test_cancel_interrupts(tmp_path: Path) -> None:
    out = tmp_path / "got-int"
    tart = script(
        tmp_path, f"trap 'echo int > {out}; exit 1' INT\nwhile true; do sleep 0.05; done\n"
    )

    async def main() -> None:
        task = asyncio.create_task(TartRunner(tart).run(["pull", "x"], timeout=30))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert out.read_text().strip() == "int"


def test_stdin_reaches_the_child_and_nothing_else(tmp_path: Path) -> None:
    """A secret given as `stdin` is read by tart from its stdin; argv never holds it."""
    tart = script(tmp_path, 'read -r secret; echo "got:$secret"; echo "argv:$*"\n')
    result = asyncio.run(TartRunner(tart).run(["login", "h"], timeout=10, stdin=b"s3cret\n"))
    assert result.ok
    assert "got:s3cret" in result.stdout
    assert "argv:login h" in result.stdout and "s3cret" not in " ".join(result.argv)


def test_without_stdin_the_child_reads_eof(tmp_path: Path) -> None:
    tart = script(tmp_path, 'if read -r line; then echo "read:$line"; else echo eof; fi\n')
    result = asyncio.run(TartRunner(tart).run(["x"], timeout=10))
    assert result.stdout.strip() == "eof"
