"""`$` matches before a trailing newline: a guard written `^...$` with Python's `re` let
`value\\n` through and the task failed later. Every guard uses `fullmatch` or `\\Z`, the API
answers 422 naming the field, and a rule test finds any guarding pattern ending in `$`."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from tests.security.conftest import InProcess

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "taartenfabriek"
RE_FUNCTIONS = frozenset({"compile", "match", "search", "fullmatch", "sub", "subn", "split"})


def _ends_in_dollar(pattern: str) -> bool:
    """`...$` but not an escaped `\\$`."""
    if not pattern.endswith("$"):
        return False
    backslashes = len(pattern[:-1]) - len(pattern[:-1].rstrip("\\"))
    return backslashes % 2 == 0


def dollar_guards(source: str) -> list[str]:
    """Python `re` patterns in `source` ending in `$`, as `line: pattern`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "re"
            and node.func.attr in RE_FUNCTIONS
            and node.args
        ):
            continue
        pattern = node.args[0]
        if isinstance(pattern, ast.JoinedStr):  # f"^{X}$": the last literal piece counts
            pieces = [v for v in pattern.values if isinstance(v, ast.Constant)]
            pattern = pieces[-1] if pieces and pattern.values[-1] is pieces[-1] else pattern
        literal = pattern.value if isinstance(pattern, ast.Constant) else None
        if isinstance(literal, str) and _ends_in_dollar(literal):
            found.append(f"{node.lineno}: {literal!r}")
    return found


def test_no_python_guard_ends_in_dollar() -> None:
    """(Patterns published in the OpenAPI document and pydantic's `pattern=` are ECMA / Rust
    regexes, where `$` is the end of the input; they are not Python `re` calls.)"""
    problems = [
        f"{path.relative_to(PACKAGE)}:{problem}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for problem in dollar_guards(path.read_text())
    ]
    assert not problems, "use fullmatch or \\Z:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "snippet",
    [
        'X = re.compile(r"^[a-z]+$")',
        'if re.match(r"^https?://[^\\s]+$", value): pass',
        'X = re.compile(f"^{NAME}$")',
    ],
)
def test_the_rule_sees_a_dollar_guard(snippet: str) -> None:
    assert dollar_guards(snippet)


@pytest.mark.parametrize(
    "snippet", ['X = re.compile(r"[a-z]+")', 'X = re.compile(r"^a\\Z")', 'X = re.compile(r"a\\$")']
)
def test_the_rule_lets_anchored_guards_through(snippet: str) -> None:
    assert not dollar_guards(snippet)


CASES: list[tuple[str, str, dict[str, Any], str]] = [
    ("POST", "/api/vms/pull", {"oci_url": "ghcr.io/a/b:1\n"}, "oci_url"),
    ("POST", "/api/vms/create", {"name": "n1", "source_vm": "ghcr.io/a/b:1\n"}, "source_vm"),
    ("POST", "/api/vms/create", {"name": "n1\n", "source_vm": "base"}, "name"),
    (
        "POST",
        "/api/vms/create-empty",
        {"name": "n2", "os": "macos", "ipsw": "https://example.com/x.ipsw\n"},
        "ipsw",
    ),
    ("POST", "/api/settings/github-token", {"token": "ghp_abcdefghijklmnop\n"}, "token"),
    ("PATCH", "/api/vms/x/config", {"display": "1920x1080\n"}, "display"),
    ("PUT", "/api/vms/x/start-options", {"rosetta_tag": "rosetta\n"}, "rosetta_tag"),
    (
        "PUT",
        "/api/vms/x/start-options",
        {"network": "bridged", "bridged_interface": "en0\n"},
        "bridged_interface",
    ),
    ("PUT", "/api/vms/x/start-options", {"dirs": [{"name": "src\n", "path": "/tmp"}]}, "name"),
    ("POST", "/api/vms/x/clone", {"new_name": "copy\n"}, "new_name"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), CASES)
def test_a_trailing_newline_is_a_422_naming_the_field(
    inproc: InProcess, method: str, path: str, body: dict[str, Any], field: str
) -> None:
    response = inproc.client.request(method, path, json=body)
    assert response.status_code == 422, response.text
    locations = [error.get("loc", []) for error in response.json()["detail"]]
    assert any(field in location for location in locations), response.json()
