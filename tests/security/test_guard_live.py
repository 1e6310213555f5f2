"""Host, Origin, Sec-Fetch-Site, CORS, token and response headers, through the real server.

Every request goes over TCP to `python -m taartenfabriek serve` (one server for the module);
raw sockets are used where httpx would fix the request up (missing or doubled Host).
"""

from __future__ import annotations

import socket

import httpx
import pytest

from tests.server import ServerProcess

pytestmark = pytest.mark.integration

FORGED_HOSTS = [
    "localhost.evil.com",
    "127.0.0.1.nip.io",
    "evil.com",
    "evil.com:{port}",
    "0.0.0.0",
    "0.0.0.0:{port}",
    "localhost.",
    "localhost.:{port}",
    "::1",
    "::1:{port}",
    "[::1",
    "[::2]:{port}",
    "[::ffff:127.0.0.1]:{port}",
    "127.0.0.2:{port}",
    "127.1",
    "2130706433",
    "127.0.0.1:{port}@evil.com",
    "evil.com@127.0.0.1:{port}",
    "user:pass@127.0.0.1:{port}",
    "127.0.0.1:{port}/evil",
    "127.0.0.1:",
    "127.0.0.1:99999",
    "127.0.0.1:8000:8000",
    "localhost_evil",
    "",
    " ",
]
GOOD_HOSTS = [
    "127.0.0.1",
    "127.0.0.1:{port}",
    "localhost",
    "localhost:{port}",
    "LOCALHOST:{port}",
    "LocalHost",
    "[::1]",
    "[::1]:{port}",
]
PATHS = ["/", "/api/health", "/api/vms", "/openapi.json", "/static/index.html", "/nowhere"]


def _raw(server: ServerProcess, request: bytes) -> tuple[int, bytes]:
    """Send bytes as they are; return (status, whole response)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
    response = b"".join(chunks)
    return int(response.split(b" ", 2)[1]), response


@pytest.mark.parametrize("host", FORGED_HOSTS)
@pytest.mark.parametrize("path", PATHS)
def test_forged_host_is_refused_before_any_route(
    live_server: ServerProcess, host: str, path: str
) -> None:
    host = host.format(port=live_server.port)
    token = live_server.token
    request = (
        f"GET {path}?token={token} HTTP/1.1\r\nHost: {host}\r\nX-Local-Token: {token}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    status, response = _raw(live_server, request)
    assert status in (400, 403), response
    assert token.encode() not in response
    assert b"<html" not in response.lower()


@pytest.mark.parametrize("host", GOOD_HOSTS)
def test_loopback_hosts_are_served(live_server: ServerProcess, host: str) -> None:
    host = host.format(port=live_server.port)
    with live_server.client() as client:
        assert client.get("/api/health", headers={"Host": host}).status_code == 200
        assert client.get("/", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize(
    "head",
    [
        b"GET / HTTP/1.0\r\n\r\n",
        b"GET /api/health HTTP/1.0\r\nX-Local-Token: {token}\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.com\r\nConnection: close\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: evil.com\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        b"GET http://evil.com/ HTTP/1.1\r\nHost: evil.com\r\nConnection: close\r\n\r\n",
    ],
    ids=["http10-no-host", "http10-api-no-host", "two-hosts", "two-hosts-evil-first", "abs-uri"],
)
def test_missing_or_doubled_host_is_refused(live_server: ServerProcess, head: bytes) -> None:
    status, response = _raw(live_server, head.replace(b"{token}", live_server.token.encode()))
    assert status in (400, 403), response


def test_http10_with_loopback_host_still_works(live_server: ServerProcess) -> None:
    request = f"GET /api/health HTTP/1.0\r\nHost: 127.0.0.1\r\nX-Local-Token: {live_server.token}"
    status, _ = _raw(live_server, (request + "\r\n\r\n").encode())
    assert status == 200


FOREIGN_ORIGINS = [
    "http://evil.com",
    "https://evil.com",
    "null",
    "http://localhost.evil.com:{port}",
    "http://127.0.0.1:{other}",
    "http://localhost:{other}",
    "https://127.0.0.1:{port}",
    "http://127.0.0.1",
    "http://127.0.0.1:{port}/path",
    "http://user@127.0.0.1:{port}",
    "file://",
    "chrome-extension://abcdef",
    "",
]


@pytest.mark.parametrize("origin", FOREIGN_ORIGINS)
def test_foreign_origin_cannot_change_state(live_server: ServerProcess, origin: str) -> None:
    origin = origin.format(port=live_server.port, other=live_server.port + 1)
    with live_server.client() as client:
        before = client.get("/api/settings/github-token").json()
        response = client.post(
            "/api/settings/github-token",
            json={"token": "ghp_fromAnotherOrigin0123456789"},
            headers={"Origin": origin},
        )
        assert response.status_code == 403, response.text
        assert "access-control-allow-origin" not in response.headers
        assert client.get("/api/settings/github-token").json() == before
        for method, path in [
            ("POST", "/api/vms/refresh"),
            ("POST", "/api/vms/pull"),
            ("DELETE", "/api/vms/x"),
            ("PUT", "/api/vms/x"),
            ("PATCH", "/api/vms/x"),
            ("GET", "/api/vms"),
            ("GET", "/"),
        ]:
            refused = client.request(method, path, headers={"Origin": origin}, json={})
            assert refused.status_code == 403, (method, path, refused.text)


def test_own_origin_and_no_origin_work(live_server: ServerProcess) -> None:
    with live_server.client() as client:
        port = live_server.port
        for origin, host in [
            (live_server.base_url, f"127.0.0.1:{port}"),
            (f"http://localhost:{port}", f"localhost:{port}"),
            (f"http://localhost:{port}", f"127.0.0.1:{port}"),  # loopback names are one socket
            (f"http://[::1]:{port}", f"127.0.0.1:{port}"),
        ]:
            response = client.get("/api/health", headers={"Origin": origin, "Host": host})
            assert response.status_code == 200, (origin, response.text)
            assert "access-control-allow-origin" not in response.headers
        assert client.post("/api/vms/pull", json={"oci_url": "bad ref"}).status_code == 422
        own = client.post(
            "/api/vms/pull", json={"oci_url": "bad ref"}, headers={"Origin": live_server.base_url}
        )
        assert own.status_code == 422


def test_cross_origin_post_without_token_is_refused(live_server: ServerProcess) -> None:
    """What a form or `fetch(..., {mode: "no-cors"})` on another site can send."""
    response = httpx.post(
        f"{live_server.base_url}/api/vms/pull",
        content=b'{"oci_url": "ghcr.io/evil/image:latest"}',
        headers={"Origin": "http://evil.com", "Content-Type": "text/plain"},
    )
    assert response.status_code == 403
    with live_server.client() as client:
        assert client.get("/api/tasks/active").json() == []


@pytest.mark.parametrize("origin", ["http://evil.com", "null", "http://localhost:1"])
@pytest.mark.parametrize(
    "path", ["/api/vms", "/api/vms/dev/start", "/", "/api/settings/github-token"]
)
def test_preflight_from_foreign_origin_gets_no_cors(
    live_server: ServerProcess, origin: str, path: str
) -> None:
    response = httpx.options(
        live_server.base_url + path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-local-token, content-type",
        },
    )
    assert response.status_code >= 400
    assert not [h for h in response.headers if h.lower().startswith("access-control-")]


def test_no_cors_headers_anywhere(live_server: ServerProcess) -> None:
    with live_server.client() as client:
        for path in ("/", "/api/health", "/api/vms", "/openapi.json", "/nowhere"):
            response = client.get(path, headers={"Origin": live_server.base_url})
            assert not [h for h in response.headers if h.lower().startswith("access-control-")]


@pytest.mark.parametrize(
    ("site", "mode", "method", "path", "allowed"),
    [
        ("cross-site", "cors", "POST", "/api/vms/refresh", False),
        ("cross-site", "no-cors", "POST", "/api/vms/refresh", False),
        ("cross-site", "navigate", "POST", "/api/vms/refresh", False),
        ("same-site", "cors", "POST", "/api/vms/refresh", False),
        ("cross-site", "no-cors", "GET", "/api/health", False),
        ("cross-site", "navigate", "GET", "/", True),
        ("same-origin", "cors", "GET", "/api/health", True),
        ("none", "navigate", "GET", "/", True),
    ],
)
def test_sec_fetch_site(
    live_server: ServerProcess, site: str, mode: str, method: str, path: str, allowed: bool
) -> None:
    with live_server.client() as client:
        response = client.request(
            method, path, headers={"Sec-Fetch-Site": site, "Sec-Fetch-Mode": mode}
        )
    assert (response.status_code != 403) is allowed, response.text


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Local-Token": ""},
        {"X-Local-Token": "wrong"},
        {"X-Local-Token": "{token}x"},
        {"X-Local-Token": "{token_prefix}"},
        {"X-Local-Token": "{token}{token}"},
        {"Authorization": "Bearer {token}"},
        {"Cookie": "token={token}"},
    ],
)
@pytest.mark.parametrize("path", ["/api/health", "/api/vms", "/api/tasks/active"])
def test_wrong_or_missing_token_is_refused(
    live_server: ServerProcess, headers: dict[str, str], path: str
) -> None:
    token = live_server.token
    filled = {k: v.format(token=token, token_prefix=token[:-1]) for k, v in headers.items()}
    response = httpx.get(live_server.base_url + path, headers=filled)
    assert response.status_code in (401, 403)
    assert response.json()["detail"]
    query = httpx.get(live_server.base_url + path, params={"token": token})
    assert query.status_code in (401, 403), "the query token is for WebSockets only"


def test_token_never_in_a_response(live_server: ServerProcess) -> None:
    token = live_server.token
    with live_server.client() as client:
        responses = [
            client.get("/"),
            client.get("/", params={"token": token}),
            client.get("/api/health"),
            client.get("/api/vms"),
            client.get("/api/settings/github-token"),
            client.get("/openapi.json"),
            client.get("/nowhere", params={"token": token}),
            client.post("/api/vms/pull", json={"oci_url": "not a reference"}),
            httpx.get(live_server.base_url + "/api/health", headers={"X-Local-Token": token[:-1]}),
        ]
    for response in responses:
        assert token not in response.text, response.request.url
        assert all(token not in value for value in response.headers.values())


def test_ui_page_headers(live_server: ServerProcess) -> None:
    response = httpx.get(live_server.base_url + "/", params={"token": live_server.token})
    assert response.status_code == 200
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "no-store" in response.headers["cache-control"]
    policy = _csp(response.headers["content-security-policy"])
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert "base-uri" in policy
    script = policy.get("script-src", policy["default-src"])
    for directive, sources in policy.items():
        for source in sources:
            assert source in ("'self'", "'none'", "data:") or source.startswith(
                ("'sha256-", "'sha384-", "'sha512-", "'nonce-")
            ), (directive, source)
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script


def _csp(header: str) -> dict[str, list[str]]:
    policy: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            policy[words[0].lower()] = words[1:]
    return policy


@pytest.mark.parametrize(
    ("method", "path", "token"),
    [
        ("GET", "/api/health", True),
        ("GET", "/api/vms", True),
        ("GET", "/api/vms/nowhere", True),
        ("GET", "/api/health", False),
        ("POST", "/api/vms/pull", True),
        ("GET", "/nowhere", False),
    ],
)
def test_api_responses_are_nosniff_and_no_store(
    live_server: ServerProcess, method: str, path: str, token: bool
) -> None:
    headers = live_server.headers if token else {}
    response = httpx.request(method, live_server.base_url + path, headers=headers, json={})
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "no-store" in response.headers["cache-control"]
    assert response.headers["content-type"].startswith("application/json")


def test_refusals_carry_the_headers_too(live_server: ServerProcess) -> None:
    response = httpx.get(live_server.base_url + "/", headers={"Host": "evil.com"})
    assert response.status_code == 403
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


def test_no_api_docs_pages_with_third_party_scripts(live_server: ServerProcess) -> None:
    """FastAPI's own /docs and /redoc load scripts from a CDN into our origin; a page served
    there must be self-contained (a vendored copy) under the strict policy."""
    for path in ("/docs", "/redoc"):
        response = httpx.get(live_server.base_url + path)
        assert response.status_code in (200, 404), path
        if response.status_code == 200:
            policy = _csp(response.headers["content-security-policy"])
            sources = [s for values in policy.values() for s in values]
            assert not [s for s in sources if s.startswith(("http:", "https:", "*"))], sources
            assert "cdn." not in response.text
