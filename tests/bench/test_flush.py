"""Log batching in the task engine: a lone line goes out at once, a flood is batched."""

from __future__ import annotations

import asyncio
import time

from taartenfabriek.core.models import Task
from taartenfabriek.tasks.engine import TaskEngine
from taartenfabriek.tasks.pubsub import Subscription
from taartenfabriek.tasks.run import FLUSH_BURST, FLUSH_DELAY, TaskRun
from taartenfabriek.tasks.store import MemoryTaskStore


def _run() -> tuple[TaskRun, Subscription]:
    engine = TaskEngine(MemoryTaskStore())
    task = Task(id="t", action="pull", status="running", created_at=0, updated_at=0)
    return TaskRun(engine, task), engine.subscribe("t")


def _drain(subscription: Subscription) -> list[str]:
    messages = []
    while not subscription.queue.empty():
        payload = subscription.queue.get_nowait()
        assert payload is not None
        messages.append(payload)
    return messages


def test_a_line_after_a_quiet_spell_goes_out_in_the_same_loop_turn() -> None:
    async def scenario() -> None:
        run, subscription = _run()
        for line in ("one", "two"):
            run.log(line)
            await asyncio.sleep(0)
            (message,) = _drain(subscription)
            assert f'"{line}"' in message
            await asyncio.sleep(FLUSH_DELAY * 1.5)

    asyncio.run(scenario())


def test_lines_of_one_read_travel_together() -> None:
    async def scenario() -> None:
        run, subscription = _run()
        run.log("pulling disk...")
        run.log("0%")
        run.set_progress(0)
        await asyncio.sleep(0)
        (message,) = _drain(subscription)
        assert '"pulling disk...","0%"' in message

    asyncio.run(scenario())


def test_a_flood_is_batched_to_twenty_messages_a_second() -> None:
    async def scenario() -> None:
        run, subscription = _run()
        started = time.monotonic()
        for index in range(200):
            run.log(f"line {index}")
            await asyncio.sleep(0.001)
        await asyncio.sleep(FLUSH_DELAY * 1.5)  # the last batch
        elapsed = time.monotonic() - started
        messages = _drain(subscription)
        assert len(messages) <= FLUSH_BURST + elapsed / FLUSH_DELAY + 1
        assert len(messages) < 200 / 2
        assert '"line 199"' in messages[-1]

    asyncio.run(scenario())
