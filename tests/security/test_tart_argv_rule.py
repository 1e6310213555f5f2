"""Rule: only the tart driver (`tart/`) spawns `tart` or assembles its command line.

The terminal socket once built `tart exec ... <name>` itself and passed a VM named `-x` to Tart
as an option. The driver's builders (`tart/argv.py`) refuse option-like names; this test keeps
every other module from going around them. The simulator (`sim/`) is Tart, not a caller.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "taartenfabriek"
EXEMPT = ("tart", "sim")

SPAWNERS = {
    ("subprocess", "Popen"),
    ("subprocess", "run"),
    ("subprocess", "call"),
    ("subprocess", "check_call"),
    ("subprocess", "check_output"),
    ("subprocess", "getoutput"),
    ("subprocess", "getstatusoutput"),
    ("asyncio", "create_subprocess_exec"),
    ("asyncio", "create_subprocess_shell"),
    ("os", "system"),
    ("os", "popen"),
    ("os", "posix_spawn"),
    ("os", "posix_spawnp"),
    ("pty", "spawn"),
}
"""`module.function` calls that start a process (`os.exec*`/`os.spawn*` are matched by prefix)."""

ALLOWED_SPAWNS = {
    "care/launchagent.py": "runs launchctl, never tart",
}

TART_SUBCOMMANDS = frozenset(
    [
        "clone",
        "create",
        "delete",
        "exec",
        "export",
        "fqn",
        "get",
        "import",
        "ip",
        "list",
        "login",
        "logout",
        "prune",
        "pull",
        "push",
        "rename",
        "run",
        "set",
        "stop",
        "suspend",
    ]
)
TART_EXECUTABLE_NAMES = frozenset({"tart_path", "tart_argv", "tart_executable"})


def _call_name(node: ast.Call) -> tuple[str, str] | None:
    func = node.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return func.value.id, func.attr
    return None


def _identifier(node: ast.AST) -> str | None:
    if isinstance(node, ast.Starred):
        node = node.value
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _is_spawn(node: ast.Call) -> bool:
    name = _call_name(node)
    if name is None:
        return False
    module, function = name
    if (module, function) in SPAWNERS:
        return True
    return module == "os" and function.startswith(("exec", "spawn"))


def _assembles_tart_argv(node: ast.List | ast.Tuple) -> bool:
    """A list or tuple display that is a tart command line: it holds the executable (`"tart"`,
    `tart_path`, `*tart_argv`), or starts with a subcommand followed by an option."""
    constants = [e.value for e in node.elts if isinstance(e, ast.Constant)]
    if "tart" in constants:
        return True
    if any(_identifier(e) in TART_EXECUTABLE_NAMES for e in node.elts):
        return True
    strings = [c for c in constants if isinstance(c, str)]
    first = node.elts[0] if node.elts else None
    return (
        isinstance(first, ast.Constant)
        and first.value in TART_SUBCOMMANDS
        and any(s.startswith("-") for s in strings[1:])
    )


def violations(source: str) -> list[str]:
    """What in `source` spawns a process or assembles a tart argv, as `line: what`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _is_spawn(node):
            found.append(f"{node.lineno}: spawns a process ({ast.unparse(node.func)})")
        elif isinstance(node, ast.List | ast.Tuple) and _assembles_tart_argv(node):
            found.append(f"{node.lineno}: assembles a tart argv ({ast.unparse(node)[:60]})")
    return found


def _modules() -> list[Path]:
    return sorted(
        path for path in PACKAGE.rglob("*.py") if path.relative_to(PACKAGE).parts[0] not in EXEMPT
    )


def test_only_the_driver_spawns_tart_or_builds_its_argv() -> None:
    problems = []
    for path in _modules():
        relative = path.relative_to(PACKAGE).as_posix()
        for problem in violations(path.read_text()):
            if relative in ALLOWED_SPAWNS and "spawns a process" in problem:
                continue
            problems.append(f"{relative}:{problem}")
    assert not problems, "use the builders and spawners of tart/:\n" + "\n".join(problems)


def test_the_allowed_spawners_still_spawn_and_never_tart() -> None:
    """An allow-list entry that no longer spawns is stale; one that names tart is a hole."""
    for relative in ALLOWED_SPAWNS:
        source = (PACKAGE / relative).read_text()
        spawns = [p for p in violations(source) if "spawns a process" in p]
        assert spawns, f"{relative} no longer spawns anything: drop it from ALLOWED_SPAWNS"
        assert not [p for p in violations(source) if "assembles" in p]


@pytest.mark.parametrize(
    "snippet",
    [
        'argv = [*self.settings.tart_argv, "exec", "-i", "-t", name, *command]',
        'subprocess.Popen([str(shim), "run", "--vnc", name])',
        "await asyncio.create_subprocess_exec(*argv, stdin=slave)",
        'argv = ["tart", "prune", "--entries", entries]',
        'argv = ["stop", "--timeout", "2", name]',
        "os.execvp(path, args)",
    ],
)
def test_the_rule_sees_what_it_forbids(snippet: str) -> None:
    assert violations(snippet)


@pytest.mark.parametrize(
    "snippet",
    [
        "args = argv.run(name, flags)",
        'words = ["run", "stop", "delete"]',
        'choices = ("list", "get")',
    ],
)
def test_the_rule_lets_builder_calls_and_plain_words_through(snippet: str) -> None:
    assert not violations(snippet)
