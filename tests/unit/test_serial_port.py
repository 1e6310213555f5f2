"""The server's side of a serial console (backends/serial.py) on a real pty: the guest's
output is drained whether anyone reads or not, a late reader gets the scrollback first, a
reader that falls behind is dropped (the guest never waits), and keys reach the guest."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

import pytest

from taartenfabriek.backends import serial
from taartenfabriek.backends.serial import SerialPorts


async def _until(check: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "condition not met"
        await asyncio.sleep(0.01)


def test_output_is_kept_for_a_late_reader_and_keys_reach_the_guest() -> None:
    async def scenario() -> None:
        ports = SerialPorts()
        port = ports.open("vm")
        guest = os.open(port.path, os.O_RDWR | os.O_NOCTTY)  # what `tart run` opens
        try:
            port.begin()
            os.write(guest, b"boot\r\nvm login: ")
            await _until(lambda: bytes(port.scrollback).endswith(b"login: "))
            reader = port.attach()
            assert await reader.read() == b"boot\r\nvm login: "
            await reader.write(b"admin\r")
            assert os.read(guest, 100) == b"admin\r"  # raw: no echo, no line editing here
            os.write(guest, b"admin\r\n")
            assert await reader.read() == b"admin\r\n"
            ports.release(port)
            assert await reader.read() == b""  # the run ended: so does the console
            assert ports.get("vm") is None
        finally:
            os.close(guest)
            ports.close_all()

    asyncio.run(scenario())


def test_the_scrollback_is_bounded_and_a_slow_reader_is_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(serial, "SCROLLBACK", 1000)
    monkeypatch.setattr(serial, "READER_CHUNKS", 4)

    async def scenario() -> None:
        ports = SerialPorts()
        port = ports.open("vm")
        guest = os.open(port.path, os.O_RDWR | os.O_NOCTTY)
        try:
            port.begin()
            slow = port.attach()  # never reads
            for index in range(20):
                os.write(guest, b"x" * 300)
                await _until(lambda index=index: len(port.scrollback) >= min(1000, 300 * index))
                await asyncio.sleep(0.01)
            await _until(lambda: slow.lagged)
            assert len(port.scrollback) == 1000
            chunks = []
            while (chunk := await slow.read()) != b"":
                chunks.append(chunk)
            assert len(chunks) < 20  # dropped, not buffered without end
            assert port.attach().queue.qsize() == 1  # a new reader: the scrollback
        finally:
            os.close(guest)
            ports.close_all()

    asyncio.run(scenario())
