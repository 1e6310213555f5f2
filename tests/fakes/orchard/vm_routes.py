"""The fake's `/v1/vms...` routes (orchard-api.md §5, §9, §10.1, §11)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .auth import READ, WRITE, require
from .store import END, Reply, Store
from .wire import Json, decode

IP_RETRY = 0.02


def store_of(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def ok(data: Any = None) -> Response:
    if data is None:
        return Response(status_code=200)
    return Response(json.dumps(data), media_type="application/json; charset=utf-8")


async def vms(request: Request) -> Response:
    store = store_of(request)
    if request.method == "POST":
        require(request, all_of=WRITE)
        return ok(store.create_vm(decode(await request.body())))
    require(request, all_of=READ)
    return ok(store.list_vms(request.query_params.get("filter")))


async def vm(request: Request) -> Response:
    store, name = store_of(request), request.path_params["name"]
    if request.method == "GET":
        require(request, all_of=READ)
        # controllers before 0.41.0 ignore `?watch=true` and answer the plain VM
        if request.query_params.get("watch") == "true" and request.app.state.watch:
            return WatchResponse(store, name)  # type: ignore[return-value]
        with store.lock:
            return ok(store.show(store.vm(name)))
    require(request, all_of=WRITE)
    if request.method == "DELETE":
        store.delete_vm(name)
        return ok()
    body = decode(await request.body())
    if request.headers.get("user-agent", "").startswith("Orchard/0"):
        return ok(store.update_state(name, body))  # the real controller's routing trap
    return ok(store.update_vm(name, body))


async def vm_state(request: Request) -> Response:
    require(request, all_of=WRITE)
    store = store_of(request)
    return ok(store.update_state(request.path_params["name"], decode(await request.body())))


def _cursor(value: str) -> str:
    try:
        key = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        key = ""
    if not key.startswith("/"):
        raise Reply(400, f'invalid cursor "{value}"')
    return key


def _encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


async def events(request: Request) -> Response:
    store, name = store_of(request), request.path_params["name"]
    if request.method == "POST":
        require(request, all_of=WRITE)
        store.add_events(name, decode(await request.body(), array=True))
        return ok()
    require(request, all_of=READ)
    params = request.query_params
    limit = None
    if "limit" in params:
        raw = params["limit"]
        if not raw.isdigit() or int(raw) <= 0:
            raise Reply(400, f'invalid limit "{raw}": expected positive integer')
        limit = int(raw)
    order = params.get("order", "asc")
    if order.lower() not in ("asc", "desc"):
        raise Reply(400, f'invalid order "{order}": expected asc or desc')
    cursor = _cursor(params["cursor"]) if "cursor" in params else None
    items = store.vm_events(name)
    if order.lower() == "desc":
        items.reverse()
        if cursor is not None:
            items = [item for item in items if item[0] <= cursor]
    elif cursor is not None:
        items = [item for item in items if item[0] >= cursor]
    headers = {}
    if limit is not None and len(items) > limit:
        headers["X-Next-Cursor"] = _encode_cursor(items[limit][0])
        items = items[:limit]
    response = ok([event for _key, event in items])
    response.headers.update(headers)
    return response


async def ip(request: Request) -> Response:
    require(request, any_of=("compute:write", "compute:connect"))
    store, name = store_of(request), request.path_params["name"]
    raw = request.query_params.get("wait", "0")
    if not raw.isdigit() or int(raw) > 65535:
        raise Reply(400)
    deadline = asyncio.get_running_loop().time() + int(raw)
    while True:
        with store.lock:
            vm = store.vm(name)
            status, worker = vm["status"], vm.get("worker") or ""
            running = any(
                c.get("type") == "running" and c.get("state") == "true"
                for c in vm.get("conditions") or []
            )
            address = None if name in store.ipless else store.ips.get(vm["uid"])
        if status == "failed":
            raise Reply(417, "VM is in a terminal state 'failed'")
        late = asyncio.get_running_loop().time() >= deadline
        if status == "running":
            if worker in store.unreachable:
                raise Reply(503)
            if running and address and not late:
                return ok({"ip": address})
            if late:
                raise Reply(500)  # the worker could not resolve it before the deadline
        elif late:
            raise Reply(408, f"VM is not running on '{worker}' worker")
        await asyncio.sleep(IP_RETRY)


class WatchResponse:
    """NDJSON: `ADDED` first if the VM exists, then one line per store write. As the real
    controller (internal/controller/api_vms.go:284-317, which sets the header but writes
    nothing until the first event), headers go out with the first line: a missing VM's watch
    answers nothing at all. The stream ends when the client goes away or at `END`."""

    def __init__(self, store: Store, name: str) -> None:
        self.store = store
        self.name = name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        queue = self.store.watch(self.name, asyncio.get_running_loop())

        async def gone() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass

        waiter = asyncio.create_task(gone())
        started = False
        try:
            while True:
                getter: asyncio.Task[tuple[str, Json]] = asyncio.create_task(queue.get())
                done, _ = await asyncio.wait({getter, waiter}, return_when="FIRST_COMPLETED")
                if getter not in done:
                    getter.cancel()
                    return
                kind, obj = getter.result()
                if kind == END:
                    if started:
                        await send({"type": "http.response.body", "body": b""})
                    return
                if not started:
                    started = True
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 200,
                            "headers": [(b"content-type", b"application/x-ndjson")],
                        }
                    )
                line = json.dumps({"type": kind, "object": obj}) + "\n"
                await send({"type": "http.response.body", "body": line.encode(), "more_body": True})
        finally:
            waiter.cancel()
            self.store.unwatch(self.name, queue)
