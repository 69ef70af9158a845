"""Where the desk's work runs, so that the UI thread never waits for it.

Blocking calls (SQLite, Argon2, PKCS#12, PDF) run on a small pool of threads. The registry's
coroutines run on the desk's own event loop in a thread of its own: the registry client is made
on that loop and stays there, and whatever a coroutine does synchronously between two awaits
(a database read before sending the outbox) blocks that loop, never the terminal.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import inspect
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

THREADS = 8
"""Blocking desk calls that may wait at once (most wait on the one database lock)."""


class DeskRunner:
    """A thread pool for the desk's blocking calls and an event loop for its coroutines."""

    def __init__(self) -> None:
        self._pool = concurrent.futures.ThreadPoolExecutor(THREADS, thread_name_prefix="desk")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        self._closed = False

    def _desk_loop(self) -> asyncio.AbstractEventLoop:
        with self._start:
            if self._closed:
                raise RuntimeError("the desk is closed")
            if self._loop is None:
                loop = asyncio.new_event_loop()
                self._thread = threading.Thread(
                    target=loop.run_forever, name="desk-loop", daemon=True
                )
                self._thread.start()
                self._loop = loop
            return self._loop

    async def run(self, job: Callable[..., T | Awaitable[T]], *args: object) -> T:
        """``job(*args)`` off the UI loop: an ``async`` job on the desk's loop, any other on
        the pool.

        Cancelling the caller cancels a coroutine too (Esc during a look-up); a blocking call
        that has started cannot be stopped and runs to its end, its result unused.
        """
        if inspect.iscoroutinefunction(job):
            return await asyncio.wrap_future(self.submit(job, *args))
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(job, *args))  # type: ignore[arg-type]

    def submit(
        self, job: Callable[..., Awaitable[T]], *args: object
    ) -> concurrent.futures.Future[T]:
        """Start ``job(*args)`` on the desk's loop (from any thread); the coroutine is made
        there, when it starts, so one cancelled before it starts leaves nothing unawaited."""

        async def wrapped() -> T:
            return await job(*args)

        return asyncio.run_coroutine_threadsafe(wrapped(), self._desk_loop())

    def close(self, last: Callable[[], Awaitable[object]] | None = None) -> None:
        """Await ``last()`` on the desk's loop if it ever ran (the registry client lives there),
        then stop the loop and the pool. Called once the app has ended; a second call does
        nothing."""
        with self._start:
            loop, thread, self._loop, self._thread = self._loop, self._thread, None, None
            self._closed = True
        if loop is not None and thread is not None:
            try:
                if last is not None:

                    async def final() -> None:
                        await last()

                    asyncio.run_coroutine_threadsafe(final(), loop).result(30)
            finally:
                loop.call_soon_threadsafe(loop.stop)
                thread.join(10)
                loop.close()
        self._pool.shutdown(wait=False, cancel_futures=True)
