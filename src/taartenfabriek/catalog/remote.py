"""HTTP plumbing shared by the GitHub and registry clients: one GET, errors, pagination.

Every failure becomes `BackendUnavailable` with a 502/503/504 status and a detail a person can
act on. Never 401/403: clients read those as "your local token is wrong".
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import httpx

from ..core.errors import BackendUnavailable

T = TypeVar("T")
log = logging.getLogger(__name__)

MAX_PAGES = 50
"""Pagination stops here: a guard against a server whose `next` link never ends."""


def origin_of(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()


def next_link(response: httpx.Response) -> str | None:
    """The absolute `rel="next"` URL of a `Link` header, resolved against the request URL."""
    link = response.links.get("next")
    target = link.get("url") if link else None
    if not target:
        return None
    return urljoin(str(response.request.url), target)


def reset_time(response: httpx.Response) -> str | None:
    """When a rate limit lifts, as ISO 8601 UTC, from `x-ratelimit-reset` or `retry-after`."""
    reset = response.headers.get("x-ratelimit-reset")
    if reset and reset.strip().isdigit():
        moment = float(reset)
    else:
        retry = response.headers.get("retry-after", "").strip()
        if not retry.isdigit():
            return None
        moment = time.time() + float(retry)
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def is_rate_limited(response: httpx.Response) -> bool:
    if response.status_code == 429:
        return True
    if response.status_code != 403:
        return False
    return response.headers.get("x-ratelimit-remaining") == "0" or "retry-after" in response.headers


def server_message(response: httpx.Response) -> str:
    """The server's own words, if it gave any (GitHub `message`, OCI `errors[].message`)."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return ""
    if isinstance(body, dict):
        if isinstance(body.get("message"), str):
            return str(body["message"])
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("message") or errors[0].get("code") or "")
    return ""


def rate_limit_error(service: str, response: httpx.Response) -> BackendUnavailable:
    when = reset_time(response)
    detail = f"{service} rate limit reached ({response.status_code})"
    detail += f"; it resets at {when}." if when else "; try again later."
    return BackendUnavailable(detail, status_code=503)


def unexpected_status(service: str, response: httpx.Response) -> BackendUnavailable:
    message = server_message(response)
    detail = f"{service} answered {response.status_code} for {response.request.url.path}"
    return BackendUnavailable(f"{detail}: {message}" if message else detail, status_code=502)


def json_body(service: str, response: httpx.Response) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BackendUnavailable(
            f"{service} sent an unreadable answer for {response.request.url.path}",
            status_code=502,
        ) from exc


class Fetcher:
    """GETs through one client under one concurrency bound, with transport errors translated."""

    def __init__(
        self, client: httpx.AsyncClient, semaphore: asyncio.Semaphore, *, service: str
    ) -> None:
        self.client = client
        self.semaphore = semaphore
        self.service = service

    async def get(
        self,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        async with self.semaphore:
            try:
                try:
                    return await self.client.get(url, params=params, headers=headers)
                except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError) as exc:
                    # A connection dropped before its answer (a server or proxy closing a
                    # busy connection): a GET is safe to send again, once, at once. (One
                    # that could not be made is the transport's to retry: service.py.)
                    log.warning("%s: %r; asking again", self.service, exc)
                    return await self.client.get(url, params=params, headers=headers)
            # In words: the socket's errno ("[Errno 111] Connection refused") stays in the log.
            except httpx.TimeoutException as exc:
                log.info("%s: %r", self.service, exc)
                raise BackendUnavailable(
                    f"{self.service} did not answer in time; "
                    "check the network connection or try again.",
                    status_code=504,
                ) from exc
            except httpx.HTTPError as exc:
                log.warning("%s: %r", self.service, exc)
                how = (
                    "no connection could be made"
                    if isinstance(exc, httpx.ConnectError)
                    else ("the connection failed")
                )
                raise BackendUnavailable(
                    f"{self.service} is unreachable ({how}); this Mac may be offline.",
                    status_code=503,
                ) from exc


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    found: list[BaseException] = []
    for exc in group.exceptions:
        found.extend(_leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc])
    return found


async def gather_all(awaitables: Iterable[Awaitable[T]]) -> list[T]:
    """Run concurrently; the first failure cancels the rest and is raised as itself."""

    async def run(awaitable: Awaitable[T]) -> T:
        return await awaitable

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(run(awaitable)) for awaitable in awaitables]
    except BaseExceptionGroup as failed:
        leaves = _leaves(failed)
        first = next((exc for exc in leaves if isinstance(exc, BackendUnavailable)), leaves[0])
        raise first from None
    return [task.result() for task in tasks]
