"""A tiny OCI registry for tests: manifests behind an anonymous bearer-token challenge.

By default it serves the manifests tart-sim's own registry would (same digests and sizes), so
a size looked up here describes exactly the image the simulator then pulls.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "fake-registry-token"
Manifests = Callable[[str, str], tuple[dict[str, Any], str] | None]
"""(namespace, reference) -> (manifest, digest), or None for an unknown image."""


def sim_manifests(namespace: str, reference: str) -> tuple[dict[str, Any], str] | None:
    from taartenfabriek.sim.names import try_parse
    from taartenfabriek.sim.registry import lookup

    separator = "@" if reference.startswith("sha256:") else ":"
    name = try_parse(f"ghcr.io/{namespace}{separator}{reference}")
    if name is None:
        return None
    try:
        image = lookup(name)
    except Exception:
        return None
    return image.manifest(), image.digest


class FakeRegistry:
    def __init__(self, manifests: Manifests = sim_manifests) -> None:
        self.manifests = manifests
        self.requests: list[str] = []
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return None

            def _send(self, code: int, body: dict[str, Any], **headers: str) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key.replace("_", "-"), value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                registry.requests.append(self.path)
                if self.path.startswith("/token"):
                    self._send(200, {"token": TOKEN})
                    return
                if "/manifests/" not in self.path:
                    self._send(404, {"errors": []})
                    return
                namespace, reference = self.path[len("/v2/") :].split("/manifests/", 1)
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    realm = f"http://127.0.0.1:{registry.port}/token"
                    challenge = (
                        f'Bearer realm="{realm}",service="fake",scope="repository:{namespace}:pull"'
                    )
                    self._send(401, {"errors": []}, WWW_Authenticate=challenge)
                    return
                found = registry.manifests(namespace, reference)
                if found is None:
                    self._send(404, {"errors": [{"code": "MANIFEST_UNKNOWN"}]})
                    return
                manifest, digest = found
                self._send(200, manifest, Docker_Content_Digest=digest)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def running_registry(manifests: Manifests = sim_manifests) -> Iterator[FakeRegistry]:
    registry = FakeRegistry(manifests)
    thread = threading.Thread(target=registry.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield registry
    finally:
        registry.server.shutdown()
        registry.server.server_close()
        thread.join(5)
