"""The Orchard REST client: one httpx.AsyncClient, and one table from HTTP failures to errors.*.

The controller answers many failures with an empty body (404, 500, 503, 401 without
credentials) and validation failures with `{"message": ...}`; the table turns both into a
`detail` a person can act on. Controller failures are never answered with 401/403, which our
clients read as "your local token is wrong".
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from ... import __version__
from ...core.errors import BackendUnavailable, Conflict, InvalidInput, NotFound, TaartError
from .context import Connection

USER_AGENT = f"taartenfabriek/{__version__}"
"""Never `Orchard/0...`: the controller routes such a PUT /vms/{n} to the worker handler."""

Json = dict[str, Any]


@dataclass(frozen=True)
class Failure:
    """What went wrong, as the table's rows see it."""

    status: int
    message: str | None
    what: str
    """The thing the request was about, e.g. `VM 'web-1'`."""
    url: str
    account: str | None


def _unauthorized(f: Failure) -> TaartError:
    if f.message:  # a role is missing: the account exists
        return BackendUnavailable(
            f"the Orchard service account {f.account!r} may not do this: {f.message}",
            status_code=502,
        )
    if f.account is None:
        return BackendUnavailable(
            f"the Orchard controller at {f.url} wants credentials: set "
            "TARTVM_ORCHARD_SERVICE_ACCOUNT and TARTVM_ORCHARD_TOKEN (or `orchard context "
            "create`)",
            status_code=502,
        )
    return BackendUnavailable(
        f"the Orchard controller at {f.url} rejected service account {f.account!r}: "
        "wrong name or token",
        status_code=502,
    )


def _not_found(f: Failure) -> TaartError:
    if f.what in COLLECTIONS:  # the API itself is missing: wrong URL or API prefix
        return BackendUnavailable(
            f"{f.url} does not serve the Orchard API (no {f.what}): check the controller URL "
            "and its --api-prefix",
            status_code=502,
        )
    return NotFound(f"Orchard has no {f.what}")


COLLECTIONS = frozenset({"VM list", "worker list", "controller info"})

ERRORS: dict[int, Callable[[Failure], TaartError]] = {
    400: lambda f: InvalidInput(
        f"the Orchard controller rejected the request: {f.message or 'bad request'}"
    ),
    401: _unauthorized,
    403: _unauthorized,
    404: lambda f: _not_found(f),
    408: lambda f: BackendUnavailable(
        f"{f.what} did not come up in time: {f.message or 'timed out'}", status_code=504
    ),
    409: lambda f: Conflict(f"Orchard: {f.message or f'{f.what} already exists'}"),
    412: lambda f: Conflict(f"Orchard refused: {f.message or 'precondition failed'}"),
    417: lambda f: Conflict(f"Orchard: {f.message or f'{f.what} has failed'}"),
    500: lambda f: BackendUnavailable(
        f"the Orchard controller failed on {f.what} (HTTP 500)"
        + (f": {f.message}" if f.message else ""),
        status_code=502,
    ),
    503: lambda f: BackendUnavailable(
        f"the Orchard worker of {f.what} cannot be reached by the controller (HTTP 503)"
        + (f": {f.message}" if f.message else ""),
        status_code=503,
    ),
}


def translate(failure: Failure) -> TaartError:
    row = ERRORS.get(failure.status)
    if row is not None:
        return row(failure)
    return BackendUnavailable(
        f"the Orchard controller answered HTTP {failure.status} on {failure.what}"
        + (f": {failure.message}" if failure.message else ""),
        status_code=502,
    )


def transport_error(exc: httpx.HTTPError, url: str) -> TaartError:
    """A controller that cannot be reached at all: 503 (down) or 504 (too slow)."""
    if isinstance(exc, httpx.TimeoutException):
        return BackendUnavailable(
            f"the Orchard controller at {url} did not answer in time", status_code=504
        )
    reason = str(exc) or type(exc).__name__
    if "CERTIFICATE_VERIFY_FAILED" in reason or "SSL" in reason:
        return BackendUnavailable(
            f"TLS with the Orchard controller at {url} failed ({reason}): trust its "
            "certificate with `orchard context create` or use a certificate from a known CA",
            status_code=502,
        )
    return BackendUnavailable(
        f"cannot reach the Orchard controller at {url}: {reason}", status_code=503
    )


def _message(response: httpx.Response) -> str | None:
    try:
        data = response.json()
    except ValueError:
        return None
    message = data.get("message") if isinstance(data, dict) else None
    return message if isinstance(message, str) and message else None


def path(*parts: str) -> str:
    """`/v1/vms/<name>`: names are quoted so nothing in them can become a path segment."""
    return "/v1/" + "/".join(quote(part, safe="") for part in parts)


class OrchardClient:
    """Thin async access to `/v1`; every failure leaves as an `errors.*`."""

    def __init__(self, connection: Connection, *, timeout: float = 30) -> None:
        self.connection = connection
        self.base_url = connection.url
        self._http = httpx.AsyncClient(
            base_url=connection.url,
            auth=connection.auth,
            verify=connection.ssl_context(),
            timeout=timeout,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        )
        self.requests = 0
        """Requests sent so far (the benchmark reads it)."""

    async def close(self) -> None:
        await self._http.aclose()

    async def request(
        self,
        method: str,
        url: str,
        *,
        what: str,
        params: Mapping[str, str | int] | None = None,
        body: Any = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        self.requests += 1
        kwargs: dict[str, Any] = {"params": params}
        if body is not None:
            kwargs["json"] = body
        if timeout is not None:
            kwargs["timeout"] = timeout
        try:
            response = await self._http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise transport_error(exc, self.base_url) from exc
        if response.status_code != 200:
            raise translate(
                Failure(
                    status=response.status_code,
                    message=_message(response),
                    what=what,
                    url=self.base_url,
                    account=self.connection.service_account,
                )
            )
        return response

    async def json(self, method: str, url: str, *, what: str, **kwargs: Any) -> Any:
        response = await self.request(method, url, what=what, **kwargs)
        try:
            return response.json()
        except ValueError as exc:
            raise BackendUnavailable(
                f"the Orchard controller answered {method} {url} with something not JSON",
                status_code=502,
            ) from exc

    # --- endpoints -------------------------------------------------------------------------

    async def info(self) -> Json:
        data = await self.json("GET", path("controller", "info"), what="controller info")
        return data if isinstance(data, dict) else {}

    async def list_vms(self, *, worker: str | None = None) -> list[Json]:
        params = {"filter": f"worker={worker}"} if worker is not None else None
        data = await self.json("GET", path("vms"), what="VM list", params=params)
        return [vm for vm in data if isinstance(vm, dict)] if isinstance(data, list) else []

    async def get_vm(self, name: str) -> Json:
        data = await self.json("GET", path("vms", name), what=f"VM {name!r}")
        if not isinstance(data, dict):
            raise NotFound(f"Orchard has no VM {name!r}")
        return data

    async def create_vm(self, spec: Json) -> Json:
        data = await self.json("POST", path("vms"), what=f"VM {spec.get('name')!r}", body=spec)
        return data if isinstance(data, dict) else {}

    async def update_vm(self, vm: Json) -> Json:
        name = str(vm.get("name"))
        data = await self.json("PUT", path("vms", name), what=f"VM {name!r}", body=vm)
        return data if isinstance(data, dict) else {}

    async def delete_vm(self, name: str) -> None:
        await self.request("DELETE", path("vms", name), what=f"VM {name!r}")

    async def ip(self, name: str, wait: int) -> str | None:
        wait = max(0, min(wait, 65535))
        data = await self.json(
            "GET",
            path("vms", name, "ip"),
            what=f"VM {name!r}",
            params={"wait": wait},
            timeout=wait + 30,
        )
        ip = data.get("ip") if isinstance(data, dict) else None
        return ip if isinstance(ip, str) and ip else None

    async def events(
        self, name: str, *, cursor: str | None, limit: int
    ) -> tuple[list[Json], str | None]:
        params: dict[str, str | int] = {"limit": limit, "order": "asc"}
        if cursor is not None:
            params["cursor"] = cursor
        response = await self.request(
            "GET", path("vms", name, "events"), what=f"VM {name!r}", params=params
        )
        try:
            data = response.json()
        except ValueError:
            data = []
        events = [e for e in data if isinstance(e, dict)] if isinstance(data, list) else []
        return events, response.headers.get("X-Next-Cursor") or None

    async def watch_vm(self, name: str) -> AsyncGenerator[tuple[str, Json], None]:
        """`GET /v1/vms/{n}?watch=true`: (type, VM) per NDJSON line; never times out reading."""
        url = path("vms", name)
        self.requests += 1
        timeout = httpx.Timeout(self._http.timeout.connect, read=None)
        try:
            async with self._http.stream(
                "GET", url, params={"watch": "true"}, timeout=timeout
            ) as response:
                if response.status_code != 200:
                    await response.aread()
                    raise translate(
                        Failure(
                            status=response.status_code,
                            message=_message(response),
                            what=f"VM {name!r}",
                            url=self.base_url,
                            account=self.connection.service_account,
                        )
                    )
                async for line in response.aiter_lines():
                    if not line.strip():
                        continue
                    try:
                        event = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(event, dict) and isinstance(event.get("object"), dict):
                        yield str(event.get("type", "")), event["object"]
        except httpx.HTTPError as exc:
            raise transport_error(exc, self.base_url) from exc

    async def list_workers(self) -> list[Json]:
        data = await self.json("GET", path("workers"), what="worker list")
        return [w for w in data if isinstance(w, dict)] if isinstance(data, list) else []

    async def get_worker(self, name: str) -> Json:
        data = await self.json("GET", path("workers", name), what=f"worker {name!r}")
        if not isinstance(data, dict):
            raise NotFound(f"Orchard has no worker {name!r}")
        return data

    async def update_worker(self, worker: Json) -> Json:
        name = str(worker.get("name"))
        data = await self.json("PUT", path("workers", name), what=f"worker {name!r}", body=worker)
        return data if isinstance(data, dict) else {}
