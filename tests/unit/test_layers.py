"""The shape of the house, kept: imports run one way between layers, and nothing imports in a
circle, in the Python package or in the UI's modules.

Python: api -> operations / care / console / inventory / catalog -> tasks, backends -> the tart
driver; core below all; only the backends, the driver, the simulator and the assembly (app,
cli, services, demo, doctor) import the driver. Every import counts, also those inside
functions and under TYPE_CHECKING: a reader follows them all the same.

UI: views -> components -> the app's base modules (api, state, format, ...); main.js, the entry,
mounts the views. Static and dynamic (`import('...')`) imports alike.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

import taartenfabriek

PACKAGE = Path(taartenfabriek.__file__).parent
STATIC_APP = PACKAGE / "web" / "static" / "app"

ASSEMBLY = frozenset({"app", "cli", "services", "service_cli", "demo", "doctor", "__main__"})
"""Root modules that put the parts together: they may import anything."""

ALLOWED: Mapping[str, frozenset[str]] = {
    "core": frozenset(),
    "tart": frozenset({"core"}),
    "sim": frozenset(),
    "tasks": frozenset({"core"}),
    "backends": frozenset({"core", "tart"}),
    "inventory": frozenset({"core", "backends"}),
    "catalog": frozenset({"core"}),
    "care": frozenset({"core", "tasks", "backends", "inventory"}),
    "console": frozenset({"core", "backends", "inventory", "care"}),
    "operations": frozenset({"core", "tasks", "backends", "inventory", "care"}),
    "security": frozenset({"core"}),
    "slowclients": frozenset(),
    "web": frozenset({"core"}),
    "api": frozenset(
        {
            "core",
            "tasks",
            "backends",
            "inventory",
            "catalog",
            "care",
            "console",
            "operations",
            "security",
            "web",
        }
    ),
}
"""Each layer (a folder, or a root module) and the layers it may import besides itself. The
package's own `__init__` (its version) is open to all."""

DRIVER_USERS = frozenset({"backends", "tart", "sim"}) | ASSEMBLY


# --- Python ----------------------------------------------------------------------------------


def module_name(path: Path, root: Path) -> str:
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def python_imports(sources: Mapping[str, tuple[str, bool]]) -> dict[str, set[str]]:
    """module -> the package's modules it imports. `sources`: module -> (text, is_package).
    `from x import y` counts as importing `x.y` when that is a module, else `x`."""
    graph: dict[str, set[str]] = {}
    top = next(iter(sources)).split(".")[0]
    for module, (text, is_package) in sources.items():
        package = module if is_package else module.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.split(".")[0] == top)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base_parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*base_parts, *([node.module] if node.module else [])])
                else:
                    base = node.module or ""
                if base.split(".")[0] != top:
                    continue
                for alias in node.names:
                    child = f"{base}.{alias.name}"
                    found.add(child if child in sources else base)
        graph[module] = {m for m in found if m in sources and m != module}
    return graph


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None  # None: the package's own __init__


def wrong_arrows(graph: Mapping[str, Iterable[str]]) -> list[str]:
    found = []
    for module, targets in graph.items():
        source = layer_of(module)
        if source is None or source in ASSEMBLY:
            continue
        allowed = ALLOWED.get(source)
        for target in targets:
            layer = layer_of(target)
            if layer is None or layer == source:
                continue
            if allowed is None or layer not in allowed:
                found.append(f"{module} -> {target} ({source} may not import {layer})")
            elif layer == "tart" and source not in DRIVER_USERS:
                found.append(f"{module} -> {target} (only {sorted(DRIVER_USERS)} drive tart)")
    return sorted(found)


def circles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


def package_sources() -> dict[str, tuple[str, bool]]:
    return {
        module_name(path, PACKAGE): (path.read_text(), path.name == "__init__.py")
        for path in sorted(PACKAGE.rglob("*.py"))
    }


def test_every_layer_is_named() -> None:
    layers = {layer_of(m) for m in package_sources()} - {None}
    assert layers <= set(ALLOWED) | ASSEMBLY, layers - set(ALLOWED) - ASSEMBLY


def test_python_arrows_run_one_way() -> None:
    assert wrong_arrows(python_imports(package_sources())) == []


def test_no_python_import_circle() -> None:
    assert circles(python_imports(package_sources())) == []


# --- the UI's modules ------------------------------------------------------------------------

JS_IMPORT = re.compile(
    r"""(?:^|[;\n])[ \t]*(?:import|export)(?:\s*['"]|\s[^;'"()]*?\bfrom\s*['"])([^'"]+)['"]"""
    r"""|\bimport\(\s*['"]([^'"]+)['"]\s*\)"""
)
"""Static imports and re-exports at the start of a line, and dynamic `import('...')`."""


def js_imports(sources: Mapping[str, str]) -> dict[str, set[str]]:
    """module (path under app/) -> the app modules it imports; bare specifiers (vendor
    modules from the import map) are not ours and are skipped."""
    graph: dict[str, set[str]] = {}
    for module, text in sources.items():
        found = set()
        for static, dynamic in JS_IMPORT.findall(text):
            specifier = static or dynamic
            if not specifier.startswith("."):
                continue
            parts: list[str] = []
            for part in (PurePosixPath(module).parent / specifier).parts:
                if part == "..":
                    parts.pop()
                elif part != ".":
                    parts.append(part)
            found.add("/".join(parts))
        graph[module] = found
    return graph


def js_tier(module: str) -> int:
    """0: the app's base modules; 1: components/; 2: views/ and main.js (the entry)."""
    if module.startswith("views/") or module == "main.js":
        return 2
    return 1 if module.startswith("components/") else 0


def js_wrong_arrows(graph: Mapping[str, Iterable[str]]) -> list[str]:
    return sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        for target in targets
        if js_tier(target) > js_tier(module)
    )


def ui_sources() -> dict[str, str]:
    return {
        path.relative_to(STATIC_APP).as_posix(): path.read_text()
        for path in sorted(STATIC_APP.rglob("*.js"))
    }


def test_ui_imports_resolve_to_modules() -> None:
    sources = ui_sources()
    graph = js_imports(sources)
    missing = {f"{m} -> {t}" for m, targets in graph.items() for t in targets if t not in sources}
    assert not missing
    assert graph["views/app.js"]  # the regex sees imports at all


def test_ui_arrows_run_one_way() -> None:
    assert js_wrong_arrows(js_imports(ui_sources())) == []


def test_no_ui_import_circle() -> None:
    assert circles(js_imports(ui_sources())) == []


# --- the rules themselves catch what they are for ----------------------------------------------


def test_the_python_rules_catch_a_wrong_arrow_and_a_circle() -> None:
    sources = {
        "pkg": ("", True),
        "pkg.core": ("", True),
        "pkg.core.models": ("from ..operations import recipes\n", False),
        "pkg.operations": ("", True),
        "pkg.operations.recipes": (
            "from ..core.models import VM\nfrom ..tart import argv\n"
            "def f():\n    from pkg.api import routes\n",
            False,
        ),
        "pkg.tart": ("", True),
        "pkg.tart.argv": ("", False),
        "pkg.api": ("", True),
        "pkg.api.routes": ("from .. import services\n", False),
        "pkg.services": ("from .api import routes\n", False),
    }
    graph = python_imports(sources)
    assert graph["pkg.operations.recipes"] == {"pkg.core.models", "pkg.tart.argv", "pkg.api.routes"}
    assert wrong_arrows(graph) == [
        "pkg.api.routes -> pkg.services (api may not import services)",
        "pkg.core.models -> pkg.operations.recipes (core may not import operations)",
        "pkg.operations.recipes -> pkg.api.routes (operations may not import api)",
        "pkg.operations.recipes -> pkg.tart.argv (operations may not import tart)",
    ]
    assert circles(graph) == [
        ["pkg.api.routes", "pkg.services"],
        ["pkg.core.models", "pkg.operations.recipes"],
    ]


def test_the_ui_rules_catch_a_wrong_arrow_and_a_circle() -> None:
    sources = {
        "main.js": "import { App } from './views/app.js';\n",
        "views/app.js": (
            "import {\n  a,\n} from './create.js';\nconst S = () => import('./scratch.js');\n"
        ),
        "views/create.js": "import { b } from './scratch.js';\n",
        "views/scratch.js": "import { c } from './create.js';\nimport { h } from 'preact';\n",
        "components/field.js": "import { x } from '../views/create.js';\n",
        "state.js": "// import { y } from './views/app.js';\nexport const s = 1;\n",
    }
    graph = js_imports(sources)
    assert graph["views/app.js"] == {"views/create.js", "views/scratch.js"}
    assert graph["state.js"] == set()  # a comment is no import
    assert js_wrong_arrows(graph) == ["components/field.js -> views/create.js"]
    assert circles(graph) == [["views/create.js", "views/scratch.js"]]


def test_no_module_over_400_lines() -> None:
    """Split at a second thing: a module that grows past this holds more than one."""
    long = {
        module: text.count("\n")
        for module, (text, _) in package_sources().items()
        if text.count("\n") > 400
    }
    assert long == {}
