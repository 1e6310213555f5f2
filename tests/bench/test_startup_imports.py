"""Cold start: a local server loads only what it needs before its first answer.

HTTP clients (httpx: catalog, image sizes, Orchard), PyYAML and the WebSocket client (Orchard)
and psutil (process checks) are imported where first used; the static files are listed, not
read. Counted in a fresh interpreter, so nothing the test process loaded hides an import.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

LAZY = ("httpx", "yaml", "websockets.asyncio.client", "psutil", "taartenfabriek.backends.orchard")

PROBE = """
import json, sys
from pathlib import Path
import taartenfabriek.cli
from taartenfabriek.app import create_app
from taartenfabriek.core.settings import Settings

app = create_app(Settings(home=Path(sys.argv[1]), tart_path="/nonexistent/tart"))
static = next(route.app for route in app.routes if getattr(route, "path", "") == "/static")
print(json.dumps({"loaded": sorted(m for m in sys.modules if m.split(".")[0] in {LAZY_TOPS}),
                  "files": len(static.files), "read": len(static._read)}))
"""


def _probe(home: Path) -> dict[str, object]:
    tops = {name.split(".")[0] for name in LAZY}
    code = PROBE.replace("{LAZY_TOPS}", repr(tops))
    result = subprocess.run(
        [sys.executable, "-c", code, str(home)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    data: dict[str, object] = json.loads(result.stdout.splitlines()[-1])
    return data


def test_a_local_server_imports_no_client_it_does_not_use_yet(tmp_path: Path) -> None:
    found = _probe(tmp_path / "home")
    loaded = set(found["loaded"])  # type: ignore[call-overload]
    assert not [name for name in LAZY if name in loaded], loaded
    assert found["files"] and found["read"] == 0  # static files are read on first request
