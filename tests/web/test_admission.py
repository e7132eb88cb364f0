"""Requests in progress are bounded by the worker threads (``_Admission`` in
:mod:`groundswell.web.views.core`).

The pattern it guards against, built here without a database: a request holds the file (a
lease) and needs a worker thread once more before it gives it back, while every other
request waits in a worker thread for the file. With more waiting requests than threads the
holder never got its thread: seen with a real ``groundswell serve`` on eight threads and 50
reading clients, where a command's ``analyze`` waited two minutes for the pages to give up.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import anyio.to_thread

from groundswell.web.views import core

THREADS = 8


def _call(app: Any, path: str) -> Any:
    scope = {"type": "http", "method": "GET", "path": path, "headers": []}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(_message: dict[str, Any]) -> None:
        return None

    return app(scope, receive, send)


def _run(waiters: int, quick_during: bool) -> dict[str, Any]:
    freed = threading.Event()  # the holder gave the file back
    seen: dict[str, Any] = {"in_threads": 0, "most_in_threads": 0}
    count = threading.Lock()

    async def main() -> None:
        anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
        leased, go = asyncio.Event(), asyncio.Event()

        def wait_for_file() -> None:
            with count:
                seen["in_threads"] += 1
                seen["most_in_threads"] = max(seen["most_in_threads"], seen["in_threads"])
            freed.wait(20)
            with count:
                seen["in_threads"] -= 1

        async def app(scope: Any, receive: Any, send: Any) -> None:
            if scope["path"] == "/api/holder":
                await anyio.to_thread.run_sync(lambda: None)  # takes the lease
                leased.set()
                await go.wait()
                await anyio.to_thread.run_sync(freed.set)  # a thread again, then gives it back
            elif scope["path"].startswith("/s/"):
                await anyio.to_thread.run_sync(lambda: None)  # an answer: never the file
            else:
                await anyio.to_thread.run_sync(wait_for_file)
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b""})

        guarded = core.RequestLeases.middleware(app)
        loop = asyncio.get_running_loop()
        holder = asyncio.create_task(_call(guarded, "/api/holder"))
        await leased.wait()
        pages = [asyncio.create_task(_call(guarded, "/api/overview")) for _ in range(waiters)]
        await asyncio.sleep(0.3)  # the pages take every thread they may
        if quick_during:
            t0 = loop.time()
            await asyncio.wait_for(_call(guarded, "/s/token"), 5)
            seen["answer_s"] = loop.time() - t0
        t0 = loop.time()
        go.set()
        await holder
        seen["holder_s"] = loop.time() - t0
        await asyncio.gather(*pages)

    asyncio.run(main())
    return seen


def test_a_lease_holder_gets_a_thread_while_more_pages_wait_than_there_are_threads() -> None:
    seen = _run(waiters=3 * THREADS, quick_during=True)
    assert seen["holder_s"] < 5  # 20 s (the pages' own time-out) without the admission
    assert seen["most_in_threads"] <= THREADS - 1  # the holder's thread was always free
    assert seen["answer_s"] < 2  # a survey answer is not queued behind the waiting pages


def test_lanes_are_sized_from_the_worker_threads() -> None:
    async def main() -> tuple[int, int]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 40
        lanes = core._Admission()
        quick, pages = lanes.lane("/s/abc"), lanes.lane("/api/overview")
        assert lanes.lane("/api/login") is quick and lanes.lane("/login") is quick
        assert lanes.lane("/api/runs") is pages and lanes.lane("/") is pages
        return quick._value, pages._value

    assert asyncio.run(main()) == (8, 40 - 8 - core._SPARE_THREADS)


def test_one_app_in_one_event_loop_after_another() -> None:
    """A test client runs the app in a new event loop per client: the lanes are made again
    for each (an asyncio semaphore that once waited belongs to its loop)."""
    lanes = core._Admission()

    async def crowd() -> None:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 6  # one quick slot
        lane = lanes.lane("/s/x")
        async with lane:
            waiting = asyncio.create_task(lane.acquire())  # waits: binds it to this loop
            await asyncio.sleep(0.01)
            assert not waiting.done()
        await waiting
        lane.release()

    asyncio.run(crowd())
    asyncio.run(crowd())  # "bound to a different event loop" without the lanes made again
