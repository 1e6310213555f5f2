"""The fake's other routes: controller info, workers, service accounts, cluster settings."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from .auth import ADMIN_READ, ADMIN_WRITE, READ, WRITE, require, roles_of
from .store import Reply
from .vm_routes import ok, store_of
from .wire import decode

VERSION = "0.99.0-fake"


async def root(request: Request) -> Response:
    return ok()


async def info(request: Request) -> Response:
    if roles_of(request) is None:
        raise Reply(401)
    return ok(
        {
            "version": request.app.state.version,
            "commit": "fake",
            "capabilities": ["rpc-v1", "vm-state-endpoint"],
        }
    )


async def workers(request: Request) -> Response:
    store = store_of(request)
    if request.method == "POST":
        require(request, all_of=WRITE)
        return ok(store.register_worker(decode(await request.body())))
    require(request, all_of=READ)
    with store.lock:
        listed = sorted(store.workers.values(), key=lambda w: w["name"].encode())
        return ok([store.show_worker(w) for w in listed])


async def worker(request: Request) -> Response:
    store, name = store_of(request), request.path_params["name"]
    if request.method == "GET":
        require(request, all_of=READ)
        with store.lock:
            if name not in store.workers:
                raise Reply(404)
            return ok(store.show_worker(store.workers[name]))
    require(request, all_of=WRITE)
    if request.method == "DELETE":
        with store.lock:
            store.workers.pop(name, None)
        return ok()
    return ok(store.update_worker(decode(await request.body())))


async def accounts(request: Request) -> Response:
    store = store_of(request)
    if request.method == "POST":
        require(request, all_of=ADMIN_WRITE)
        body = decode(await request.body())
        roles = body.get("roles") or []
        return ok(store.add_account(body.get("name", ""), body.get("token", ""), roles))
    require(request, all_of=ADMIN_READ)
    with store.lock:
        return ok([dict(a) for _n, a in sorted(store.accounts.items())])


async def account(request: Request) -> Response:
    store, name = store_of(request), request.path_params["name"]
    if request.method == "GET":
        require(request, all_of=ADMIN_READ)
        with store.lock:
            if name not in store.accounts:
                raise Reply(404)
            return ok(dict(store.accounts[name]))
    require(request, all_of=ADMIN_WRITE)
    with store.lock:
        if request.method == "DELETE":
            store.accounts.pop(name, None)
            return ok()
        body = decode(await request.body())
        existing = store.accounts.get(body.get("name", ""))
        if existing is None:
            raise Reply(404)
        if not body.get("token"):
            raise Reply(412, "service account token is empty")
        existing.update(token=body["token"], roles=list(body.get("roles") or []))
        return ok(dict(existing))


async def cluster_settings(request: Request) -> Response:
    store = store_of(request)
    if request.method == "PUT":
        require(request, all_of=ADMIN_WRITE)
        return ok(store.put_settings(decode(await request.body())))
    require(request, all_of=ADMIN_READ)
    with store.lock:
        return ok(dict(store.cluster_settings))
