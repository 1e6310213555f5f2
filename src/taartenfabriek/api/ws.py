"""`/ws/tasks/{task_id}?token=`: the task's current state, then every change, then close."""

from __future__ import annotations

import contextlib

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from ..core.errors import NotFound
from ..core.models import FINAL_STATUSES

router = APIRouter()

POLICY_VIOLATION = 1008
NOT_FOUND = 4404


@router.websocket("/ws/tasks/{task_id}")
async def task_updates(websocket: WebSocket, task_id: str) -> None:
    services = websocket.app.state.services
    await websocket.accept()
    if not services.tokens.check(websocket.query_params.get("token")):
        await websocket.close(code=POLICY_VIOLATION, reason="missing or wrong token")
        return
    subscription = services.engine.subscribe(task_id)
    try:
        try:
            task = await services.engine.get(task_id)
        except NotFound:
            await websocket.close(code=NOT_FOUND, reason=f"task {task_id} does not exist")
            return
        await websocket.send_text(task.model_dump_json())
        status = task.status
        while status not in FINAL_STATUSES:
            payload = await subscription.get()
            if payload is None:  # the server is shutting down
                await websocket.close(code=1001, reason="server shutting down")
                return
            await websocket.send_text(payload)
            status = _status_of(payload)
        await websocket.close(code=1000)
    except WebSocketDisconnect:
        pass
    finally:
        subscription.close()
        if websocket.client_state == WebSocketState.CONNECTED:
            with contextlib.suppress(RuntimeError):
                await websocket.close()


def _status_of(payload: str) -> str:
    # Faster than parsing the whole snapshot: the field is always present, written by pydantic.
    marker = '"status":"'
    start = payload.find(marker)
    if start == -1:
        return "running"
    start += len(marker)
    return payload[start : payload.find('"', start)]
