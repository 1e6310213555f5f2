"""Hearing about an exit signal before the HTTP server acts on it.

uvicorn closes every connection as soon as SIGINT/SIGTERM arrives (WebSockets with 1012) and
only then runs the application's shutdown. To give task watchers a normal "going away" close
(1001) and to stop taking work at once, the engine must hear of the signal first: this chains
a callback in front of the handler uvicorn installed.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable
from types import FrameType

EXIT_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def on_exit_signal(callback: Callable[[], None]) -> Callable[[], None]:
    """Run `callback` on the event loop when an exit signal arrives, then the handler that
    was there before; returns a function that puts that handler back.

    Only where a Python handler already owns the signal (uvicorn's): a default handler is left
    alone, as is everything outside the main thread (signals cannot be handled there).
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    loop = asyncio.get_running_loop()
    installed: dict[int, tuple[Callable[[int, FrameType | None], object], object]] = {}
    for sig in EXIT_SIGNALS:
        previous = signal.getsignal(sig)
        if not callable(previous):
            continue

        def handler(
            signum: int,
            frame: FrameType | None,
            previous: Callable[[int, FrameType | None], object] = previous,
        ) -> None:
            loop.call_soon_threadsafe(callback)
            previous(signum, frame)

        signal.signal(sig, handler)
        installed[sig] = (handler, previous)

    def restore() -> None:
        for sig, (handler, previous) in installed.items():
            if signal.getsignal(sig) is handler:
                signal.signal(sig, previous)  # type: ignore[arg-type]

    return restore
