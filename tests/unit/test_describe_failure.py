"""Failure sentences from tart's stderr never start with (or carry) Tart's `Error: ` prefix."""

from __future__ import annotations

import pytest

from taartenfabriek.tart.runner import RunResult, describe_failure


def _result(stderr: str, code: int = 1) -> RunResult:
    return RunResult(["tart", "run", "dev"], code, "", stderr, 0.1)


@pytest.mark.parametrize(
    ("stderr", "sentence"),
    [
        ('Error: the specified VM "dev" does not exist\n', 'the specified VM "dev" does not exist'),
        ('VM "dev" is already running!\n', 'VM "dev" is already running!'),
        (
            "Error: --vnc and --vnc-experimental are mutually exclusive\n"
            "Usage: tart run [<options>] <name>\n  See 'tart run --help' for more help.\n",
            "--vnc and --vnc-experimental are mutually exclusive",
        ),
        ("", "exit code 1"),
    ],
)
def test_the_reason_without_tarts_prefix(stderr: str, sentence: str) -> None:
    assert describe_failure(_result(stderr)) == f"tart run failed: {sentence}"
