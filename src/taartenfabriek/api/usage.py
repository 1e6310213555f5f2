"""`/ws/usage?token=`: live usage of the running VMs and the host, for the whole page.

One socket per page, whatever the number of VMs (no per-VM polling): the server sends the
last ten minutes first (`UsageHistory`), then a `UsageSample` every 2 s while the page is
connected. The page may say which VM's details it has open, `{"type": "details", "vm":
"<name>"}` (or `null`), and only that VM's guest is asked for its own load (`tart exec`, at
most every 10 s). The same rules as every socket: RequestGuard checks Host and Origin before
this runs, a missing or wrong token closes with 1008 before anything is sampled.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from ..care.usage import UsageSampler
from .parts import Parts

router = APIRouter()

POLICY_VIOLATION = 1008
MAX_MESSAGE = 4096


@router.websocket("/ws/usage")
async def usage_socket(websocket: WebSocket) -> None:
    services: Parts = websocket.app.state.services
    await websocket.accept()
    if not services.tokens.check(websocket.query_params.get("token")):
        await websocket.close(code=POLICY_VIOLATION, reason="missing or wrong token")
        return
    sampler: UsageSampler = services.usage
    async with sampler.watch() as watcher:

        async def listen() -> None:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                text = message.get("text") or ""
                if len(text) > MAX_MESSAGE:
                    continue
                with contextlib.suppress(ValueError, AttributeError):
                    data = json.loads(text)
                    if data.get("type") == "details":
                        vm = data.get("vm")
                        watcher.details = vm if isinstance(vm, str) and vm else None

        async def send() -> None:
            while True:
                await websocket.send_text(await watcher.queue.get())

        tasks = {asyncio.create_task(listen()), asyncio.create_task(send())}
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    if websocket.client_state == WebSocketState.CONNECTED:
        with contextlib.suppress(RuntimeError, WebSocketDisconnect, OSError):
            await websocket.close(code=1000)
